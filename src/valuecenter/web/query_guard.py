"""Unknown and repeated query parameters are refused (422 naming them), on every API route.

Why: a misspelt filter (``pagesize=10``, ``statu=open``) was silently ignored and the caller
got the whole, unfiltered list as if it were what he asked for; a repeated one
(``status=open&status=all``) silently kept the last. No API parameter takes a list. Each
route's known parameters are the query parameters FastAPI reads for it (its own and its
dependencies', a walk of a few objects per request), so a new parameter is known as soon as
it is declared.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def refuse_unknown(request: Request, known: frozenset[str]) -> None:
    """:class:`RequestValidationError` (422) naming each query parameter not in ``known`` or
    given more than once."""
    params = request.query_params
    wrong = [
        (name, "unknown parameter" if name not in known else "given more than once")
        for name in dict.fromkeys(params.keys())
        if name not in known or len(params.getlist(name)) > 1
    ]
    if wrong:
        raise RequestValidationError(
            [
                {
                    "type": "extra_forbidden",
                    "loc": ("query", name),
                    "msg": problem,
                    "input": params.get(name),
                }
                for name, problem in wrong
            ]
        )


async def known_query_only(request: Request) -> None:
    """A router dependency: the request's query names only parameters its route reads."""
    route = request.scope.get("route")
    if isinstance(route, APIRoute):
        refuse_unknown(request, frozenset(_query_names(route.dependant)))
