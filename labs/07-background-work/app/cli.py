"""The clinic's jobs, run by operators on a box of their own:

    python -m app.cli create-admin --email EMAIL --password PASSWORD [--full-name NAME]

`create-admin` makes the first admin account, who then manages everyone else's through the
API. A job owns its transaction: it commits its own work.
"""

import argparse
import asyncio
import sys
from typing import TextIO

from app.core.config import get_settings
from app.domain.errors import ClinicError
from app.domain.roles import Role
from app.infra.db import create_tables, make_engine, make_sessionmaker
from app.services import staff


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
    maker = commands.add_parser("create-admin", help="create an admin account")
    maker.add_argument("--email", required=True)
    maker.add_argument("--full-name", default="Clinic admin")
    maker.add_argument("--password", required=True)
    args = parser.parse_args(argv)
    return asyncio.run(create_admin(args.email, args.full_name, args.password, sys.stdout))


if __name__ == "__main__":
    raise SystemExit(main())
