"""The clinic's jobs, run by operators on a worker box:

    python -m app.cli import-bookings bookings.csv
    python -m app.cli create-admin --email EMAIL --password PASSWORD [--full-name NAME]

The CSV has a header row: patient_id,clinician_id,starts_at,ends_at,reason
(times in ISO 8601, e.g. 2031-05-01T09:00). Every row is booked through the same
service the API uses, in a transaction of its own; a row the clinic refuses is reported
and skipped, and the import carries on with the next one. `create-admin` makes the first
admin account, who then manages everyone else's through the API.
"""

import argparse
import asyncio
import csv
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

from app.core.config import get_settings
from app.domain.errors import ClinicError
from app.domain.roles import Role
from app.infra.db import create_tables, make_engine, make_sessionmaker
from app.services import appointments, staff

# SQLite keeps ids in 64 bits; a larger one in the file is a typo, not a booking.
LARGEST_ID = 2**63 - 1


def parse_id(text: str) -> int:
    value = int(text)
    if not 0 < value <= LARGEST_ID:
        raise ValueError(f"id {text} is out of range")
    return value


def parse_row(row: dict[str, str]) -> dict[str, object]:
    return {
        "patient_id": parse_id(row["patient_id"]),
        "clinician_id": parse_id(row["clinician_id"]),
        "starts_at": datetime.fromisoformat(row["starts_at"]),
        "ends_at": datetime.fromisoformat(row["ends_at"]),
        "reason": row.get("reason") or "",
    }


async def import_bookings(path: Path, out: TextIO) -> tuple[int, int]:
    engine = make_engine(get_settings().database_url)
    sessions = make_sessionmaker(engine)
    booked = skipped = 0
    try:
        await create_tables(engine)
        with path.open(newline="", encoding="utf-8") as rows:
            for number, row in enumerate(csv.DictReader(rows), start=1):
                try:
                    booking = parse_row(row)
                except (KeyError, ValueError) as exc:
                    print(f"row {number}: skipped: unreadable row ({exc})", file=out)
                    skipped += 1
                    continue
                async with sessions() as session:
                    try:
                        appointment = await appointments.book(session, **booking)
                    except ClinicError as exc:
                        print(f"row {number}: skipped: {exc.message}", file=out)
                        skipped += 1
                        continue
                    await session.commit()  # this job owns its transactions: one per row
                print(f"row {number}: booked (appointment {appointment.id})", file=out)
                booked += 1
    finally:
        await engine.dispose()
    return booked, skipped


async def create_admin(email: str, full_name: str, password: str, out: TextIO) -> int:
    engine = make_engine(get_settings().database_url)
    try:
        await create_tables(engine)
        async with make_sessionmaker(engine)() as session:
            try:
                admin = await staff.add_staff(session, full_name=full_name, email=email,
                                              specialty="administration", password=password,
                                              role=Role.ADMIN)
            except ClinicError as exc:
                print(f"not created: {exc.message}", file=out)
                return 1
            await session.commit()
        print(f"admin {admin.id} created: {email}", file=out)
        return 0
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.cli", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    importer = commands.add_parser("import-bookings", help="book every row of a CSV file")
    importer.add_argument("csv_file", type=Path)
    maker = commands.add_parser("create-admin", help="create an admin account")
    maker.add_argument("--email", required=True)
    maker.add_argument("--full-name", default="Clinic admin")
    maker.add_argument("--password", required=True)
    args = parser.parse_args(argv)

    if args.command == "create-admin":
        return asyncio.run(create_admin(args.email, args.full_name, args.password, sys.stdout))
    booked, skipped = asyncio.run(import_bookings(args.csv_file, sys.stdout))
    print(f"done: {booked} booked, {skipped} skipped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
