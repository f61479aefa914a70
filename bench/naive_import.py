"""The reference a hand-written importer would be: csv.DictReader + bulk_create in batches of 1,000.

Run by bench_import.py in its own process: python bench/naive_import.py FILE REGISTER_ID
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casereview.web.settings.dev")
django.setup()

from django.db import transaction  # noqa: E402

from casereview.web.registers.models import Case  # noqa: E402

KEY = b"bench-naive-key-synthetic-only"


def day(text: str) -> dt.date | None:
    return dt.datetime.strptime(text, "%d/%m/%Y").date() if text else None  # noqa: DTZ007


def pseudo(text: str) -> str | None:
    return hmac.new(KEY, text.encode(), hashlib.sha256).hexdigest()[:32] if text else None


def main(path: str, register_id: int) -> None:
    batch: list[Case] = []
    with open(path, encoding="utf-8", newline="") as fh, transaction.atomic():
        for row in csv.DictReader(fh):
            batch.append(
                Case(
                    register_id=register_id,
                    case_ref=row["case_ref"],
                    category=row["category"],
                    reported_on=day(row["reported_on"]),
                    unit=row["unit"],
                    child_pseudonym=pseudo(row["child_id"]),
                    child_age=int(row["child_age"]) if row["child_age"] else None,
                    suspect_pseudonym=pseudo(row["suspect_id"]),
                    location_ref=row["location_ref"] or None,
                    risk_level=row["risk_level"] or None,
                    status=row["status"] or None,
                    outcome=row["outcome"] or None,
                    closed_on=day(row["closed_on"]),
                    summary=row["summary"] or None,
                )
            )
            if len(batch) == 1000:
                Case.objects.bulk_create(batch)
                batch = []
        if batch:
            Case.objects.bulk_create(batch)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
