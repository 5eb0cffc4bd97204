"""``baocao chat --jsonl`` as a real process: a full report as the reporter of Bản Khe Ló, then a
second process shows it with /xem (the embedded default: a SQLite file, the demo loaded on first use)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# Each process pins the program clock (BAOCAO_CLOCK), so what the bot asks does not depend on today.
MID_MONTH = "2026-11-12T09:30+07:00"
FIRST_OF_MONTH = "2026-12-01T08:00+07:00"


def chat(db: Path, lines: list[str], moment: str = MID_MONTH) -> list[dict[str, object]]:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{db}", "BAOCAO_CLOCK": moment}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--as", "ban khe lo", "--jsonl"],
        input="\n".join(lines) + "\n", capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
        check=True,
    )
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(outputs) == len(lines), result.stderr
    return outputs


def text_of(output: dict[str, object]) -> str:
    replies = output["replies"]
    assert isinstance(replies, list)
    return "\n".join(str(r["text"]) for r in replies)


def test_jsonl_session_files_a_report_that_a_second_process_shows(tmp_path: Path) -> None:
    db = tmp_path / "baocao.db"
    lines = ["báo cáo", "3", "2", "3", "1", "nhiều", "9", "2", "1", "0", "3", "90", "1", "0", "0",
             json.dumps({"text": "không"}), json.dumps({"button": "Xác nhận"})]
    outputs = chat(db, lines)
    assert "(1/13)" in text_of(outputs[0])
    assert "Không hiểu “nhiều”" in text_of(outputs[5])
    assert "không được lớn hơn tổng" in text_of(outputs[6])
    summary = outputs[-2]["replies"][0]  # type: ignore[index]
    assert summary["buttons"] == [[["Xác nhận", "confirm"]], [["Sửa một mục", "edit"]], [["Hủy", "cancel"]]]
    assert "Đã lưu báo cáo" in text_of(outputs[-1])
    shown = chat(db, ["/xem"])
    assert "Báo cáo gần nhất của Bản Khe Ló: tháng 11/2026" in text_of(shown[0])
    assert "1. Người nghiện: 3 người" in text_of(shown[0])
    assert "5. Được tư vấn cai: 2 người" in text_of(shown[0])


def test_on_the_first_of_the_month_the_month_is_asked_and_the_chosen_one_is_filed(tmp_path: Path) -> None:
    db = tmp_path / "baocao.db"
    answers = ["0"] * 12 + ["không"]
    outputs = chat(db, ["báo cáo", json.dumps({"button": "period:2026-11"}), *answers,
                        json.dumps({"button": "confirm"})], moment=FIRST_OF_MONTH)
    asked = outputs[0]["replies"][0]  # type: ignore[index]
    offered = [row[0][1] for row in asked["buttons"]]
    assert {"period:2026-11", "period:2026-12"} <= set(offered), offered
    assert "(1/13)" in text_of(outputs[1]) and "tháng 11/2026" in text_of(outputs[1])
    assert "Đã lưu báo cáo" in text_of(outputs[-1]) and "tháng 11/2026" in text_of(outputs[-1])
    shown = chat(db, ["/xem"], moment=FIRST_OF_MONTH)
    assert "Báo cáo gần nhất của Bản Khe Ló: tháng 11/2026" in text_of(shown[0])


def test_the_console_greets_in_vietnamese_without_english_role_names(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'baocao.db'}", "BAOCAO_CLOCK": MID_MONTH}
    result = subprocess.run([sys.executable, "-m", "bot", "chat", "--as", "ban khe lo"], input="/quit\n",
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=True)
    assert "vai trò người báo cáo của Bản Khe Ló" in result.stdout
    assert "reporter" not in result.stdout


def test_a_new_person_registers_in_the_console_with_a_code_it_printed(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'baocao.db'}", "BAOCAO_CLOCK": MID_MONTH}
    first = subprocess.run([sys.executable, "-m", "bot", "chat", "--new"], input="báo cáo\n/quit\n",
                           capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=True)
    assert "người mới, chưa đăng ký" in first.stdout and "chưa đăng ký. Vui lòng gửi mã mời" in first.stdout
    code = next(line.split()[-1] for line in first.stdout.splitlines() if "Bản Khe Ló" in line)
    outputs = subprocess.run([sys.executable, "-m", "bot", "chat", "--new", "--jsonl"], input=f"/start {code}\n",
                             capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=True)
    assert "Đăng ký thành công: đồng chí là người báo cáo của Bản Khe Ló" in outputs.stdout
