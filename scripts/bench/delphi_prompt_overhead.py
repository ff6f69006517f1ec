# Fixed prompt size per call of delphi's default prompts (a checkout given as argv[1]) next to ours (prompts/), counted as the
# LLM stand-in counts usage: 4 per message + its pieces (a word or one punctuation mark). Placeholders are left empty,
# so what is counted is what every call pays besides the examples and the explanation.
# usage: python3 scripts/bench/delphi_prompt_overhead.py /path/to/delphi-checkout
import re, importlib.util, sys, os
os.chdir(sys.argv[1]); ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
tok = re.compile(r"\s*(?:[\w]+|[^\s\w])|\s+$")
def pieces(s): return len(tok.findall(s))
def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); return m
def cost(msgs, blanks):
    # stand-in usage: 4 per message + its pieces; placeholders for examples/explanation are blanked
    return sum(4 + pieces(m["content"]) for m in msgs)
ex = load("delphi/explainers/default/prompts.py", "ex")
sys.path.insert(0, "delphi/explainers/default")
import types
pkg = types.ModuleType("pb"); 
src = open("delphi/explainers/default/prompt_builder.py").read().replace("from .prompts import", "from ex import")
sys.modules["ex"] = ex
exec(src, pkg.__dict__)
msgs = pkg.build_prompt("", activations=False, cot=False)
print("delphi explainer fixed:", cost(msgs, None), "messages", len(msgs))
det = load("delphi/scorers/classifier/prompts/detection_prompt.py", "det")
print("delphi detection fixed:", cost(det.prompt("", ""), None), "messages", len(det.prompt("", "")))
fz = load("delphi/scorers/classifier/prompts/fuzz_prompt.py", "fz")
print("delphi fuzzing fixed:", cost(fz.prompt("", ""), None), "messages", len(fz.prompt("", "")))
# ours: template bodies without the header, placeholders empty
for name in ["explainer-openai", "explainer-delphi", "simulator", "detection", "fuzzing"]:
    t = open(f"{ROOT}/prompts/{name}.prompt").read()
    parts = re.split(r"^=== (\w+) ===\n", t, flags=re.M)[1:]
    msgs = [{"role": parts[i], "content": re.sub(r"\{\{\w+\}\}", "", parts[i+1]).strip("\n")} for i in range(0, len(parts), 2)]
    print("ours", name, "fixed:", cost(msgs, None), "messages", len(msgs))
