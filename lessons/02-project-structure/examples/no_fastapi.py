import runpy
import sys
from importlib.abc import MetaPathFinder

ABSENT = {"fastapi", "starlette"}


class WorkerImage(MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname.partition(".")[0] in ABSENT:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


if __name__ == "__main__":
    sys.meta_path.insert(0, WorkerImage())
    script = sys.argv.pop(1)
    runpy.run_path(script, run_name="__main__")
