"""Coverage-guided fuzzing of parse(bytes) with atheris (libFuzzer).

    pip install atheris
    python bench/fuzz_atheris.py -runs=100000 -max_len=20000 [corpus_dir]

Any exception other than a NianbaoError (a clear, bilingual refusal) is a crash and stops
the run with the input saved by libFuzzer.  Seed the corpus with `nianbao synth -o corpus`.
"""
import sys

import atheris

with atheris.instrument_imports(include=["nianbao"]):
    from nianbao import check, parse
    from nianbao.errors import NianbaoError


def test_one_input(data: bytes) -> None:
    try:
        check(parse(data))
    except NianbaoError:
        pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
