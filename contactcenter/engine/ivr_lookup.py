"""The IVR's data dip: callers from the CRM, the rest from the small directory.

``kind == "caller"`` asks the CRM for the contact behind the caller id (E.164),
and falls back to the settings' directory for numbers the CRM does not know;
``kind == "account"`` (account balances) stays with the directory until billing
lands in the CRM.
"""

from __future__ import annotations

from contactcenter.engine.directory import Directory
from crm_core.customers import CustomerService


class IvrLookup:
    def __init__(self, customers: CustomerService | None, directory: Directory) -> None:
        self._customers = customers
        self._directory = directory

    async def lookup(self, kind: str, key: str) -> dict[str, str] | None:
        if kind == "caller" and self._customers is not None:
            view = await self._customers.by_phone(key)
            if view is not None and view.contact is not None:
                contact = view.contact
                found = {
                    "name": f"{contact['first_name']} {contact['last_name']}".strip(),
                    "vip": "yes" if contact["vip"] else "no",
                    "contact_id": str(contact["id"]),
                }
                if contact.get("language"):
                    found["language"] = contact["language"]
                if view.account is not None:
                    found["account_name"] = view.account["name"]
                return found
        return await self._directory.lookup(kind, key)
