"""``POST /language``: the user chooses the pages' language (the switch in the navigation).

Stored on the user (``users.language``) and copied into the session, which the locale
middleware reads on every request (web/locale.py); CSRF-checked like every page form.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from valuecenter.users import service as users
from valuecenter.web.deps import PageUser
from valuecenter.web.locale import SESSION_KEY
from valuecenter.web.security import safe_next

router = APIRouter()


@router.post("/language")
def choose_language(
    request: Request,
    user: PageUser,
    language: Annotated[str, Form(max_length=16)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    users.set_language(user, language)
    if user.language:
        request.session[SESSION_KEY] = user.language
    else:
        request.session.pop(SESSION_KEY, None)
    return RedirectResponse(safe_next(next), status_code=303)
