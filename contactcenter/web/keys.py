"""Typed keys of the app's and the request's state, in one place so modules share them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.web.auth import Authenticator, Principal
from contactcenter.web.routing import ROUTES
from crm_core.customers import CustomerService
from crm_core.records import RecordService

HealthCheck = Callable[[], dict[str, Any]]

BUS = web.AppKey("bus", EventBus)
JOURNAL = web.AppKey("journal", CallJournal)
AUTH = web.AppKey("auth", Authenticator)
HEALTH: web.AppKey[HealthCheck] = web.AppKey("health")
SOCKETS: web.AppKey[set[web.WebSocketResponse]] = web.AppKey("sockets")
CUSTOMERS: web.AppKey[CustomerService] = web.AppKey("customers")
#: the CRM's database, when the app serves the CRM
DATABASE: web.AppKey[async_sessionmaker[AsyncSession]] = web.AppKey("database")
RECORDS = web.AppKey("records", RecordService)
OPENAPI: web.AppKey[dict[str, Any]] = web.AppKey("openapi")
PRINCIPAL = web.RequestKey("principal", Principal)

__all__ = ["AUTH", "BUS", "CUSTOMERS", "DATABASE", "HEALTH", "JOURNAL", "OPENAPI", "PRINCIPAL",
           "RECORDS", "ROUTES", "SOCKETS", "HealthCheck"]
