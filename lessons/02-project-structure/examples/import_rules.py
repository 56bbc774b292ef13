import ast
from pathlib import Path

ALLOWED = {
    "main": {"api", "core", "infra"},
    "cli": {"core", "domain", "infra", "services"},
    "api": {"core", "domain", "schemas", "services"},
    "core": {"domain", "schemas"},
    "schemas": {"domain"},
    "services": {"domain", "infra"},
    "domain": set(),
    "infra": set(),
}
HTTP_FREE = {"cli", "services", "domain", "infra"}
HTTP_PACKAGES = {"fastapi", "starlette"}


def layer_of(path: Path, package: Path) -> str:
    return path.relative_to(package).parts[0].removesuffix(".py")


def imported(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def violations(package: Path) -> list[str]:
    found = []
    for path in sorted(package.rglob("*.py")):
        layer = layer_of(path, package)
        if layer not in ALLOWED:
            continue
        for name in imported(ast.parse(path.read_text(encoding="utf-8"))):
            top, _, rest = name.partition(".")
            target = rest.partition(".")[0]
            points_inward = top != package.name or target in ALLOWED[layer] | {layer}
            free_of_http = top not in HTTP_PACKAGES or layer not in HTTP_FREE
            if not (points_inward and free_of_http):
                where = path.relative_to(package.parent)
                found.append(f"{where}: {layer} imports {name}")
    return found
