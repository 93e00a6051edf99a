"""The API docs page, with every asset served by the app (no CDN) and a policy that forbids other
origins: the page works in an offline classroom, and an admin who pastes a token into it runs no
third-party script."""

import base64
import hashlib
import re
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/docs-assets"
# Every answer that is not the docs page: nothing may load, nobody may frame it.
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
_INLINE = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def inline_hashes(html: str) -> list[str]:
    """CSP source expressions for each inline script of a page."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in _INLINE.findall(html)
    ]


def docs_policy(html: str) -> str:
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src 'self' {' '.join(inline_hashes(html))}",
            # Swagger UI sets style attributes; styles still come from this origin only.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


def install(app: FastAPI) -> None:
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - docs",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
            # No badge fetched from validator.swagger.io.
            swagger_ui_parameters={"validatorUrl": None},
        )
        html = bytes(page.body).decode()
        return HTMLResponse(html, headers={"Content-Security-Policy": docs_policy(html)})

    @app.middleware("http")
    async def content_security_policy(request: Request, call_next) -> Response:  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", API_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
