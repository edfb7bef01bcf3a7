"""The password policy: at least `MIN_LENGTH` characters, not only spaces, not the user
name, not fewer than 12 digits alone, not one character or a short pattern repeated, not a run of the keyboard or the
alphabet, and not one of the commonly used passwords below.

The list is bundled (nothing is fetched at run time): the most common passwords of the
public breach-corpus rankings, including the ones popular with Chinese users (pinyin,
5201314 and its kin).  It is compared case-insensitively, also with trailing digits and
punctuation removed ("password2024!" is "password")."""
from __future__ import annotations

import re

MIN_LENGTH = 8
MAX_LENGTH = 256
DIGITS_ONLY = 12  # a password of digits only (dates, phone numbers)

_COMMON = """
123456 123456789 12345678 1234567890 12345 1234567 password password1 password123 passw0rd p@ssw0rd p@ssword
qwerty qwerty123 qwertyuiop qwer1234 1q2w3e4r 1q2w3e4r5t 1qaz2wsx 1qazxsw2 zaq12wsx zxcvbnm asdfghjkl asdf1234
abc123 abc12345 abcd1234 a123456 a12345678 aa123456 123456a 123456aa 12345qwert qwe123 qweasd qweasdzxc
111111 000000 123123 123321 654321 666666 888888 121212 112233 11223344 987654321 147258369 159357 1314520
5201314 52013141 woaini woaini1314 woaini520 iloveyou iloveyou1 loveyou lovely princess sunshine monkey dragon
master letmein welcome welcome1 admin admin123 administrator root toor login guest test test123 changeme
default secret football baseball basketball superman batman trustno1 shadow michael jennifer jordan hunter
ranger buster soccer harley charlie george thomas robert daniel andrew joshua matthew starwars whatever
freedom computer internet samsung google qazwsx qazwsxedc zhang wang liu chen yang huang zhao zhou
woaiwojia nihao wodemima mima mimamima zhongguo china beijing shanghai baidu taobao tencent
qq123456 qq5201314 aini1314 1314521 7758521 7758258 caonima wangyi
dearbook asd123 asd123456 zxc123 zxc123456 abc123456 a1b2c3d4 a1234567 aaa111 aaaaaa
superman1 iloveyou2 michael1 monkey1 dragon1 letmein1 welcome123 admin1234 root123 test1234
gov gongwu zhengfu zhengwu xinxi gongkai nianbao annualreport
""".split()

COMMON = frozenset(w.lower() for w in _COMMON)
_KEYBOARD = ("`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./", "abcdefghijklmnopqrstuvwxyz",
             "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/", "qazwsxedcrfvtgbyhnujmikolp")
_TRAILER = re.compile(r"[\d\W_]+$")


def _sequential(s: str) -> bool:
    """A run along a keyboard row, the alphabet or the digits (either way)."""
    for row in _KEYBOARD:
        if s in row or s in row[::-1]:
            return True
    return False


def _repeated(s: str) -> bool:
    """One character, or a unit of up to four, repeated: aaaaaaaa, abababab, 12341234."""
    return any(len(s) >= 2 * n and (s[:n] * (len(s) // n + 1))[:len(s)] == s for n in range(1, 5))


def problem(password: str, user_name: str = "") -> tuple[str, str] | None:
    """(Chinese, English) reason the password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"密码至少需要{MIN_LENGTH}个字符。", f"A password needs {MIN_LENGTH} characters at least."
    if len(password) > MAX_LENGTH:
        return f"密码不能超过{MAX_LENGTH}个字符。", f"A password has {MAX_LENGTH} characters at most."
    if not password.strip():
        return "密码不能全是空格。", "A password cannot be only spaces."
    s = password.strip().lower()
    if user_name and s in (user_name.strip().lower(), user_name.strip().lower()[::-1]):
        return "密码不能与用户名相同。", "A password cannot be the user name."
    if _repeated(s) or _sequential(s):
        return "密码过于简单（重复或连续的字符），请换一个。", "The password is too simple (repeated or sequential characters)."
    if s.isdigit() and len(s) < DIGITS_ONLY:
        return (f"纯数字的密码至少需要{DIGITS_ONLY}位（日期、电话号码很容易被猜到）。",
                f"A password of digits only needs {DIGITS_ONLY} of them (dates and phone numbers are easy to guess).")
    core = _TRAILER.sub("", s) or s
    if s in COMMON or core in COMMON or (len(core) < 4 and s.isascii()):
        return "这是常见密码，很容易被猜到，请换一个。", "This is a commonly used password and easy to guess; choose another."
    return None
