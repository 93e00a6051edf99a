"""Idempotency-Key on POST, PATCH and DELETE: a request sent again with the same key, by the same
caller, within the window (APP_IDEMPOTENCY_WINDOW_S, 24 h by default) gets the first answer again
and writes nothing; the same key with a different request is a 422.

The key is claimed in the write's own transaction and the answer is stored before the commit:
either the write and its answer are both there, or neither is. A duplicate sent while the first
is still running waits on the key's row (Postgres' primary key) and then replays the answer; if
the first failed (rolled back), the duplicate runs as a new request. Only successful answers are
kept: a request that failed changed nothing, so running it again is safe.
"""

import hashlib
import json
import re
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request, status
from fastapi.responses import Response
from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from .deps import CurrentUser, SessionDep, SettingsDep
from .models import IdempotencyKey

_VALID_KEY = re.compile(r"[\x21-\x7e]{1,255}")
# Expired keys go a few at a time with each new key; SKIP LOCKED: never wait on another's cleanup.
_EXPIRE = text(
    "delete from idempotency_keys where ctid in (select ctid from idempotency_keys"
    " where created_at < now() - make_interval(secs => :window) limit 100 for update skip locked)"
)
REPLAYED_HEADER = "Idempotent-Replayed"


class Idempotency:
    def __init__(
        self, session: Session, user_id: int, key: str | None, request_hash: str, window_s: int
    ) -> None:
        self.session = session
        self.user_id = user_id
        self.key = key
        self.request_hash = request_hash
        self.window_s = window_s
        self.claimed = False

    def replay(self) -> Response | None:
        """The first answer when this key was used before; None when the request must run."""
        if self.key is None:
            return None
        self.session.execute(_EXPIRE, {"window": self.window_s})
        claimed = self.session.execute(
            insert(IdempotencyKey)
            .values(
                user_id=self.user_id,
                key=self.key,
                request_hash=self.request_hash,
                status_code=0,
                body="",
            )
            .on_conflict_do_nothing()
            .returning(IdempotencyKey.key)
        ).first()
        if claimed is not None:
            self.claimed = True
            return None
        first = self.session.execute(
            select(
                IdempotencyKey.request_hash, IdempotencyKey.status_code, IdempotencyKey.body
            ).where(IdempotencyKey.user_id == self.user_id, IdempotencyKey.key == self.key)
        ).first()
        if first is None or first.status_code == 0:
            # Expired and removed at this instant, or kept without an answer: let the client retry.
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                "this Idempotency-Key is being processed: retry shortly",
                headers={"Retry-After": "1"},
            )
        if first.request_hash != self.request_hash:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_ENTITY,
                "this Idempotency-Key was used for a different request: use a new key",
            )
        return Response(
            content=first.body or None,
            status_code=first.status_code,
            media_type="application/json" if first.body else None,
            headers={REPLAYED_HEADER: "true"},
        )

    def record(self, status_code: int, body: Any = None) -> None:
        """Stores the answer in the request's transaction: call it just before the commit."""
        if not self.claimed:
            return
        self.session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.user_id == self.user_id, IdempotencyKey.key == self.key)
            .values(status_code=status_code, body="" if body is None else json.dumps(body))
        )


async def idempotency(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="a key of yours (1-255 visible ASCII characters, e.g. a UUID): "
            "the same request sent again with it gets the first answer and writes nothing",
        ),
    ] = None,
) -> Idempotency:
    if key is not None and not _VALID_KEY.fullmatch(key):
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            "Idempotency-Key must be 1 to 255 visible ASCII characters, e.g. a UUID",
        )
    digest = hashlib.sha256(f"{request.method} {request.url.path}?{request.url.query}\n".encode())
    digest.update(await request.body())
    return Idempotency(session, user.id, key, digest.hexdigest(), settings.idempotency_window_s)


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]
