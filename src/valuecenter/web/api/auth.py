"""``GET /me``: who the bearer token belongs to."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from valuecenter.customers import service as customers
from valuecenter.users.models import Role
from valuecenter.web.deps import CurrentUser, SessionDep

router = APIRouter(tags=["auth"])


class Me(BaseModel):
    username: str
    full_name: str | None
    role: Role
    account_manager: str | None = Field(
        description="Code of the account-manager pool this user owns (account managers only)."
    )


@router.get("/me", response_model=Me)
def me(session: SessionDep, user: CurrentUser) -> Me:
    """The current user, with the code of his customer pool if he is an account manager."""
    pool = customers.pool_of(session, viewer=user)
    return Me(
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        account_manager=pool.code if pool else None,
    )
