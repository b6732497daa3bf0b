"""Who am I, API tokens, and (for admins) users and organisations."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from evidencia import accounts
from evidencia.access import Role
from evidencia.store.schema import ApiToken, User
from evidencia.web.api.auth import Admin, Caller, LoggedIn
from evidencia.web.api.errors import ApiError
from evidencia.web.context import web_state
from evidencia.web.models import (
    ErrorBody,
    IssuedToken,
    MeOut,
    NewOrganisation,
    NewToken,
    NewUser,
    OrganisationOut,
    TokenOut,
    UserOut,
)
from evidencia.web.params import Id

router = APIRouter(tags=["accounts"])


def _user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        organisation=user.organisation.name if user.organisation else None,
        active=user.active,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


def _token_out(token: ApiToken) -> TokenOut:
    return TokenOut(
        id=token.id, label=token.label, created_at=token.created_at, last_used_at=token.last_used_at
    )


@router.get("/me", response_model=MeOut, summary="Who is calling")
def me(caller: Caller) -> MeOut:
    return MeOut(
        logged_in=caller.logged_in,
        email=caller.email,
        name=caller.name,
        role=caller.role.value,
        organisation=caller.organisation,
        via=caller.via,
    )


@router.get("/tokens", response_model=list[TokenOut], summary="My API tokens")
def list_tokens(request: Request, caller: LoggedIn) -> list[TokenOut]:
    with web_state(request).store.session() as session:
        user = session.get(User, caller.user_id)
        return [_token_out(t) for t in accounts.list_tokens(session, user)] if user else []


@router.post("/tokens", response_model=IssuedToken, status_code=201, summary="New API token")
def create_token(request: Request, caller: LoggedIn, body: NewToken) -> IssuedToken:
    """A new token for the caller; its value is in this answer only."""
    with web_state(request).store.session() as session:
        user = session.get(User, caller.user_id)
        if user is None:
            raise ApiError(401, "login_required", "Your account no longer exists.")
        try:
            token = accounts.issue_token(session, user, body.label)
        except accounts.AccountError as exc:
            raise ApiError(400, "bad_token", str(exc)) from exc
        record = accounts.list_tokens(session, user)[-1]
        session.commit()
        return IssuedToken(id=record.id, label=record.label, token=token)


@router.delete(
    "/tokens/{token_id}", status_code=204, response_class=Response, summary="Revoke a token"
)
def delete_token(request: Request, caller: LoggedIn, token_id: Id) -> Response:
    with web_state(request).store.session() as session:
        user = session.get(User, caller.user_id)
        if user is None or not accounts.revoke_token_id(session, user, token_id):
            raise ApiError(404, "not_found", f"You have no token {token_id}.")
        session.commit()
    return Response(status_code=204)


@router.get("/users", response_model=list[UserOut], summary="All users (admins)")
def list_users(request: Request, _admin: Admin) -> list[UserOut]:
    with web_state(request).store.session() as session:
        return [_user_out(u) for u in accounts.list_users(session)]


@router.post(
    "/users",
    response_model=UserOut,
    status_code=201,
    summary="Add a user (admins)",
    responses={409: {"model": ErrorBody, "description": "A user has this email address."}},
)
def create_user(request: Request, _admin: Admin, body: NewUser) -> UserOut:
    with web_state(request).store.session() as session:
        if accounts.get_user(session, body.email) is not None:
            raise ApiError(409, "conflict", f"A user with email {body.email} exists already.")
        try:
            user = accounts.create_user(
                session,
                email=body.email,
                password=body.password,
                role=Role(body.role),
                organisation=body.organisation,
                name=body.name,
            )
        except accounts.AccountError as exc:
            raise ApiError(400, "bad_user", str(exc)) from exc
        session.commit()
        return _user_out(user)


@router.delete(
    "/users/{user_id}",
    status_code=204,
    response_class=Response,
    summary="Remove a user (admins)",
    responses={409: {"model": ErrorBody, "description": "The last admin cannot be removed."}},
)
def delete_user(request: Request, _admin: Admin, user_id: Id) -> Response:
    with web_state(request).store.session() as session:
        user = session.get(User, user_id)
        if user is None:
            raise ApiError(404, "not_found", f"There is no user {user_id}.")
        try:
            accounts.remove_user(session, user.email)
        except accounts.AccountError as exc:
            raise ApiError(409, "conflict", str(exc)) from exc
        session.commit()
    return Response(status_code=204)


@router.get("/organisations", response_model=list[OrganisationOut], summary="Organisations")
def list_organisations(request: Request, _caller: LoggedIn) -> list[OrganisationOut]:
    with web_state(request).store.session() as session:
        return [
            OrganisationOut(id=o.id, name=o.name, country=o.country)
            for o in accounts.list_organisations(session)
        ]


@router.post(
    "/organisations",
    response_model=OrganisationOut,
    status_code=201,
    summary="Add an organisation (admins)",
    responses={409: {"model": ErrorBody, "description": "An organisation has this name."}},
)
def create_organisation(request: Request, _admin: Admin, body: NewOrganisation) -> OrganisationOut:
    with web_state(request).store.session() as session:
        if accounts.find_organisation(session, body.name) is not None:
            raise ApiError(409, "conflict", f"An organisation named {body.name!r} exists already.")
        try:
            org = accounts.add_organisation(session, body.name, body.country)
        except accounts.AccountError as exc:
            raise ApiError(400, "bad_organisation", str(exc)) from exc
        session.commit()
        return OrganisationOut(id=org.id, name=org.name, country=org.country)
