#!/usr/bin/env python3
"""Cross-checks `--labels.country` against Python's `phonenumbers` (a port
of libphonenumber with its metadata): N random numbers, half built from
each region's example numbers with random trailing digits (mostly valid),
half random digits after a random calling code (mostly invalid); prints the
agreement rate and every disagreement. Needs `pip install phonenumbers` and
`cargo build --release --example countries`.

    python3 bench/country_check.py [--count 10000] [--seed 1]
"""
import argparse
import random
import subprocess
import sys

import phonenumbers
from phonenumbers import PhoneNumberType as T
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE, SUPPORTED_REGIONS

TYPES = [T.FIXED_LINE, T.MOBILE, T.TOLL_FREE, T.VOIP]


def expected(number: str) -> str:
    if not (number.startswith("+") and 2 <= len(number) - 1 <= 15 and number[1:].isdigit()):
        return "unknown"
    try:
        n = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return "unknown"
    if not phonenumbers.is_valid_number(n):
        return "unknown"
    region = phonenumbers.region_code_for_number(n)
    return region if region and region != "001" else "unknown"


def from_example(rng: random.Random, regions) -> str:
    while True:
        region = rng.choice(regions)
        ex = phonenumbers.example_number_for_type(region, rng.choice(TYPES))
        if ex is None:
            continue
        digits = phonenumbers.format_number(ex, phonenumbers.PhoneNumberFormat.E164)
        keep = max(3, len(digits) - rng.randint(1, 4))
        tail = "".join(rng.choice("0123456789") for _ in digits[keep:])
        return digits[:keep] + tail


def random_number(rng: random.Random) -> str:
    code = str(rng.choice(list(COUNTRY_CODE_TO_REGION_CODE)))
    rest = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 14)))
    return "+" + (code + rest)[:15]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bin", default="target/release/examples/countries")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    regions = sorted(SUPPORTED_REGIONS)
    numbers = [from_example(rng, regions) if i % 2 == 0 else random_number(rng)
               for i in range(args.count)]
    run = subprocess.run([args.bin], input="\n".join(numbers) + "\n",
                         capture_output=True, text=True, check=True)
    ours = run.stdout.split()
    want = [expected(n) for n in numbers]
    agree = sum(a == b for a, b in zip(ours, want))
    valid = sum(w != "unknown" for w in want)
    print(f"{len(numbers)} numbers, {valid} valid per phonenumbers "
          f"{phonenumbers.__version__}; agreement {agree}/{len(numbers)} "
          f"= {100 * agree / len(numbers):.2f}%")
    print(run.stderr.strip())
    for n, a, b in zip(numbers, ours, want):
        if a != b:
            print(f"  {n}: exporter {a}, phonenumbers {b}")
    sys.exit(0)


if __name__ == "__main__":
    main()
