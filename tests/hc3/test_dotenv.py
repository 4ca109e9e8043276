"""`.env` parsing (supervisor/dotenv.py) and where `plua2 hc3` finds its settings (hc3_settings)."""

from __future__ import annotations

from pathlib import Path

import pytest
from plua2.supervisor.dotenv import load_dotenv, parse_dotenv
from plua2.supervisor.hc3_settings import SettingsError, dotenv_files, resolve_target


def test_plain_pairs_blank_lines_and_comments() -> None:
    text = "# my HC3\n\nHC3_URL=http://192.168.1.57\n  HC3_USER = admin  \n#HC3_PASSWORD=old\n"
    assert parse_dotenv(text) == ({"HC3_URL": "http://192.168.1.57", "HC3_USER": "admin"}, [])


def test_export_prefix_and_last_line_wins() -> None:
    values, _ = parse_dotenv("export A=1\nA=2\nexport   B=x\n")
    assert values == {"A": "2", "B": "x"}


def test_single_quotes_are_literal() -> None:
    values, _ = parse_dotenv(r"""P='a #b \n $HOME "q"'  # comment""")
    assert values == {"P": r'a #b \n $HOME "q"'}


def test_double_quotes_understand_escapes() -> None:
    values, _ = parse_dotenv(r'P="a \"b\" \\ c\nd #e" # comment')
    assert values == {"P": 'a "b" \\ c\nd #e'}


def test_unquoted_value_ends_at_a_spaced_comment_only() -> None:
    values, _ = parse_dotenv("A=pa#ss  # the password\nB= # nothing\nC=#hash\nD=a b  \n")
    assert values == {"A": "pa#ss", "B": "", "C": "#hash", "D": "a b"}


def test_no_variable_expansion() -> None:
    values, _ = parse_dotenv("HC3_PASSWORD=pa$$w${USER}rd\n")
    assert values == {"HC3_PASSWORD": "pa$$w${USER}rd"}


def test_empty_value_and_crlf_and_bom(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_bytes("\ufeffA=\r\nB=two\r\n".encode())
    assert load_dotenv(path) == ({"A": "", "B": "two"}, [])


def test_bad_lines_are_skipped_with_warnings_that_never_quote_values() -> None:
    text = 'HC3_USER=admin\nnot a pair\nHC3_PASSWORD=\'secret-value\nX="ok" trailing\n1A=b\n'
    values, warnings = parse_dotenv(text)
    assert values == {"HC3_USER": "admin"}
    assert warnings == [
        "line 2: expected KEY=VALUE; skipped",
        "line 3: HC3_PASSWORD: a single quote is not closed; skipped",
        "line 4: X: text after the closing quote; skipped",
        "line 5: expected KEY=VALUE; skipped",
    ]
    assert not any("secret" in w for w in warnings)


def _write_env(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".env").write_text(text, encoding="utf-8")
    return folder


FULL = "HC3_URL=http://hc3.local\nHC3_USER=u\nHC3_PASSWORD=p\n"


def test_settings_from_one_env_file(tmp_path: Path) -> None:
    folder = _write_env(tmp_path / "qa", FULL)
    target, warnings = resolve_target({}, [folder])
    assert (target.url, target.user, target.password) == ("http://hc3.local", "u", "p")
    assert warnings == [] and not target.insecure


def test_precedence_flags_then_environment_then_first_env_file(tmp_path: Path) -> None:
    qa = _write_env(tmp_path / "qa", "HC3_USER=qa-user\nHC3_PASSWORD=qa-pw\n")
    cwd = _write_env(tmp_path / "cwd", FULL.replace("=u", "=cwd-user"))
    target, _ = resolve_target({}, [qa, cwd])
    assert (target.url, target.user, target.password) == ("http://hc3.local", "qa-user", "qa-pw")
    target, _ = resolve_target({"HC3_USER": "env-user", "HC3_PASSWORD": ""}, [qa, cwd])
    assert (target.user, target.password) == ("env-user", "qa-pw")  # empty counts as unset
    target, _ = resolve_target({"HC3_URL": "http://env"}, [qa, cwd], url="https://flag:8443/api/")
    assert target.url == "https://flag:8443"


def test_env_file_flag_reads_that_file_only(tmp_path: Path) -> None:
    qa = _write_env(tmp_path / "qa", FULL)
    other = tmp_path / "other.env"
    other.write_text("HC3_URL=http://other\nHC3_USER=o\nHC3_PASSWORD=o\n")
    target, _ = resolve_target({}, [qa], env_file=other)
    assert target.url == "http://other"
    with pytest.raises(SettingsError, match="no such .env file"):
        resolve_target({}, [qa], env_file=tmp_path / "missing.env")


def test_missing_settings_name_the_keys_and_the_files_looked_at(tmp_path: Path) -> None:
    folder = _write_env(tmp_path / "qa", "HC3_URL=http://hc3.local\n")
    with pytest.raises(SettingsError) as error:
        resolve_target({}, [folder, tmp_path])
    message = str(error.value)
    assert "HC3_USER and HC3_PASSWORD not set" in message
    assert str(folder / ".env") in message


def test_bad_url_is_a_settings_error_and_a_url_with_credentials_is_refused() -> None:
    env = {"HC3_USER": "u", "HC3_PASSWORD": "p"}
    with pytest.raises(SettingsError, match="http:// or https://"):
        resolve_target({**env, "HC3_URL": "ftp://hc3"})
    with pytest.raises(SettingsError, match="must not carry credentials"):
        resolve_target({**env, "HC3_URL": "http://admin:pw@hc3"})


def test_password_is_not_in_the_target_repr(tmp_path: Path) -> None:
    target, _ = resolve_target({"HC3_URL": "hc3", "HC3_USER": "u", "HC3_PASSWORD": "zz-secret"})
    assert "zz-secret" not in repr(target)
    assert target.url == "http://hc3"


def test_dotenv_files_without_repeats(tmp_path: Path) -> None:
    assert dotenv_files([tmp_path, tmp_path / ".", str(tmp_path)]) == [tmp_path.resolve() / ".env"]
