import json

from ...console import console
from ...selectors import workflows_document
from ..base import EngineCommand


class Command(EngineCommand):
    help = "List the workflows this installation knows: stages, modes, resources."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        docs = workflows_document()
        if opts["json"]:
            self.stdout.write(json.dumps(docs, ensure_ascii=False, indent=2))
            return
        for w in docs:
            console.print(f"[bold]{w['name']}[/] v{w['version']}  {w['description']}")
            stages = " -> ".join(
                s["name"] + (f"[{s['resource']}]" if s["resource"] else "") for s in w["stages"]
            )
            console.print(f"  stages: {stages}")
            for mode, names in w["modes"].items():
                console.print(f"  mode {mode}: {', '.join(names)}")
            if w["params"]:
                for name, meaning in w["params"].items():
                    console.print(f"  --param {name}=...  {meaning}")
            if w["trigger"]:
                console.print(f"  triggered by: {w['trigger']}")
