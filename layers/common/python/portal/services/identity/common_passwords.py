"""The common-password list (PRODUCT.md §9): generated from a small source kept here, shipped as a text file.

`common_passwords.txt` beside this module is what the password rules read; it is this generator's output, and
a test keeps the two in step. Regenerate with `python -m portal.services.identity.common_passwords`.

The source is the passwords that head every published breach-frequency list, the words people build
passwords from (with the digits, years and punctuation they append), keyboard walks and repeated characters.
Order is roughly most common first; entries are compared casefolded, so capitalised variants are implied.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

LIST_FILE = Path(__file__).with_name("common_passwords.txt")
SIZE = 1000

_TOP = """
123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon 123123 baseball abc123 football monkey
letmein 696969 shadow master 666666 qwertyuiop 123321 mustang 1234567890 michael 654321 superman 1qaz2wsx 7777777
121212 000000 qazwsx 123qwe killer trustno1 jordan jennifer zxcvbnm asdfgh hunter buster soccer harley batman
andrew tigger sunshine iloveyou 2000 charlie robert thomas hockey ranger daniel starwars klaster 112233 george
computer michelle jessica pepper 1111 zxcvbn 555555 11111111 131313 freedom 777777 pass maggie 159753 aaaaaa
ginger princess joshua cheese amanda summer love ashley nicole chelsea biteme matthew access yankees 987654321
dallas austin thunder taylor matrix william corvette hello martin heather secret merlin diamond 1234qwer
gfhjkm hammer silver 222222 88888888 anthony justin test bailey q1w2e3r4t5 patrick internet scooter orange 11111
golfer cookie richard samantha bigdog guitar jackson whatever mickey chicken sparky snoopy maverick phoenix camaro
peanut morgan welcome falcon cowboy ferrari samsung andrea smokey steelers joseph mercedes dakota arsenal eagles
melissa boomer booboo spider nascar monster tigers yellow xxxxxx 123123123 gateway marina diablo bulldog qwer1234
compaq purple banana junior hannah 123654 porsche lakers iceman money cowboys 987654 london tennis 999999
ncc1701 coffee scooby 0000 miller boston q1w2e3r4 brandon yamaha chester mother forever johnny edward 333333
oliver redsox player nikita knight fender barney midnight please brandy chicago badboy slayer rangers charles
angel flower rabbit wizard jasper enter rachel chris steven winner adidas victoria natasha 1q2w3e4r jasmine
winter prince marine ghbdtn fishing cocacola casper james 232323 raiders 888888 marlboro gandalf asdfasdf
crystal 87654321 12344321 golden 8675309 panther lauren angela spanky thx1138 angels madison winston shannon
mike toyota jordan23 canada sophie apples dick tiger razz 123abc pokemon qazxsw 55555 qwaszx muffin johnson
murphy cooper jonathan liverpoo david danielle 159357 jackie 1990 123456a 789456 turtle abcd1234 scorpion
qazwsxedc 101010 butter carlos password1 dennis slipknot qwerty123 booger asdf 1991 black startrek 12341234 cameron
newyork rainbow nathan john 1992 rocket viking redskins asdfghjkl 1212 sierra peaches gemini doctor wilson
sandra helpme qwertyui victor florida dolphin pookie captain tucker blue liverpool theman bandit dolphins maddog
packers jaguar lovers nicholas united tiffany maxwell zzzzzz nirvana jeremy monica elephant
giants hotdog rosebud success debbie mountain 444444 xxxxxxxx warrior 1q2w3e4r5t q1w2e3 123456q albert
metallic lucky azerty 7777 alex bond007 alexis 1111111 samson 5150 willie scorpio bonnie gators benjamin
voodoo driver dexter 2112 jason calvin freddy 212121 creative 12345a sydney rush2112 1989 asdfghjk red123 bubba
4815162342 passw0rd trouble gunner happy florida1 gordon legend jessie stella qwert eminem arthur apple nissan
 bear america1 welcome1 admin administrator p@ssw0rd p@ssword passw0rd1 password123 letmein1
changeme default guest root login test123 aa123456 1q2w3e 1qaz2wsx3edc zaq12wsx zaq1zaq1 !qaz2wsx qwe123 iloveyou1
"""

_WORDS = """
password passw0rd p@ssw0rd qwerty letmein welcome admin dragon monkey football baseball iloveyou sunshine princess
master shadow superman batman trustno1 starwars whatever freedom michael charlie jordan hunter soccer hockey
summer winter spring autumn secret login changeme access money love angel flower computer internet monday friday
january december america usa texas chicago london football baseball jesus christ god blessed family mother father
portal customer equipment finance leasing lease loan payment account
"""

_SUFFIXES = (
    "", "1", "12", "123", "1234", "12345", "123456", "!", "1!", "12!", "123!", "01", "11", "69", "7", "007", "99",
    "2019", "2020", "2021", "2022", "2023", "2024", "2025", "2026", "@123", "#1",
)  # fmt: skip

_WALKS = """
qwertyui qwertyuio asdfghjkl zxcvbnm1 zxcvbnm, 1qaz2wsx3edc qazwsxedc qazwsxedcrfv 1q2w3e4r5t6y 1q2w3e4r5t6y7u8i
q1w2e3r4t5y6 !qaz@wsx 1qazxsw2 zaq!2wsx abcdefgh abcdefg abcdefghi 12qwaszx qweasdzxc poiuytrewq mnbvcxz
0987654321 09876543 9876543210 98765432 123456789a 12345678a a12345678 a123456789 1234567a abc12345 abcd12345
123456abc 12345qwert 1234qwer 12qw34er asdf1234 zxcv1234 qwer4321 147258369 123698745 741852963 159753456
"""


def _unique(candidates: Iterator[str]) -> Iterator[str]:
    seen: set[str] = set()
    for candidate in candidates:
        folded = candidate.casefold()
        if folded and folded not in seen:
            seen.add(folded)
            yield folded


def _candidates() -> Iterator[str]:
    yield from _TOP.split()
    yield from _WALKS.split()
    for digit in "0123456789":
        for length in (6, 8, 10):
            yield digit * length
    for letter in "aqxz":
        yield letter * 8
    words = _WORDS.split()
    for suffix in _SUFFIXES:
        for word in words:
            yield word + suffix


def generate(size: int = SIZE) -> list[str]:
    """The `size` most common passwords, casefolded, most common first."""
    entries: list[str] = []
    for entry in _unique(_candidates()):
        entries.append(entry)
        if len(entries) == size:
            break
    return entries


def render(entries: list[str]) -> str:
    return "\n".join(entries) + "\n"


def main() -> int:
    LIST_FILE.write_text(render(generate()), encoding="utf-8")
    print(f"wrote {SIZE} passwords to {LIST_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
