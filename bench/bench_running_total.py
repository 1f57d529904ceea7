"""docs/performance.md#lists-and-reports-at-scale (running total): latency of a running-total request through the whole
web stack.

Starts gunicorn (as `cxq serve` does) on a throw-away SQLite database (or DATABASE_URL if set),
publishes the 50-question bench scorecard, then times N sequential requests of random answers:
  - POST /api/v1/scoring/preview   (JSON API, personal token)
  - POST /scorecards/preview-score/ (the htmx form endpoint, session + CSRF)
Run by hand: .venv/bin/python bench/bench_running_total.py [--requests 500]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_scoring import fifty_question_scorecard, random_answers  # noqa: E402

PORT = 8765


def setup(env: dict) -> tuple[str, str, str]:
    """Migrate, create an admin, a token and the published bench scorecard; return ids."""
    code = """
import django, json; django.setup()
from cxq.accounts.services import roles_ensure_builtin, user_create, api_token_create
from cxq.accounts.models import Role, User
from cxq.scorecards import services
import sys
sys.path.insert(0, 'bench')
from bench_scoring import fifty_question_scorecard
roles_ensure_builtin()
admin = User.objects.filter(email='bench@example.com').first() or user_create(
    by=None, email='bench@example.com', full_name='Bench', role=Role.objects.get(key='admin'),
    password='bench-password-123')
_, raw = api_token_create(user=admin, name='bench')
card = services.scorecard_create(by=admin, document=fifty_question_scorecard())
services.scorecard_publish(by=admin, scorecard=card)
print(json.dumps({'token': raw, 'version': str(card.current_version.uuid)}))
"""
    subprocess.run([sys.executable, "-m", "cxq.cli", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    data = json.loads(out.strip().splitlines()[-1])
    return data["token"], data["version"], "bench@example.com"


def request(conn, method, path, body=None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    payload = response.read()
    return response, payload


def session_login(conn, email: str) -> tuple[str, str]:
    response, body = request(conn, "GET", "/login/")
    cookies = dict(re.findall(r"(cxq_csrftoken)=([^;]+)", response.getheader("Set-Cookie") or ""))
    csrf = cookies["cxq_csrftoken"]
    form = urllib.parse.urlencode({"username": email, "password": "bench-password-123", "csrfmiddlewaretoken": csrf})
    response, _ = request(
        conn,
        "POST",
        "/login/",
        form,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"cxq_csrftoken={csrf}",
            "Referer": f"http://127.0.0.1:{PORT}/login/",
        },
    )
    session = re.search(r"cxq_session=([^;]+)", " ".join(response.headers.get_all("Set-Cookie") or [])).group(1)
    return csrf, session


def timed(fn, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(name: str, samples: list[float]) -> None:
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(
        f"{name:<34} n={len(samples)}  p50 {statistics.median(samples):6.2f} ms   p95 {p95:6.2f} ms   "
        f"max {samples[-1]:6.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    var = tempfile.mkdtemp(prefix="cxq-bench-")
    env = {**os.environ, "CXQ_VAR_DIR": var, "DJANGO_SETTINGS_MODULE": "cxq.settings"}
    token, version, email = setup(env)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "cxq.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        time.sleep(3)
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        from cxq.scoring import parse_document

        card = parse_document(fifty_question_scorecard())
        rng = random.Random(3)

        def api_call():
            body = json.dumps({"version": version, "answers": random_answers(card, rng)})
            response, _ = request(
                conn,
                "POST",
                "/api/v1/scoring/preview",
                body,
                {"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            )
            assert response.status == 200, response.status

        csrf, session = session_login(conn, email)

        def form_call():
            answers = {f"qa_{k}": v for k, v in random_answers(card, rng).items()}
            body = urllib.parse.urlencode({"version": version, **answers})
            response, _ = request(
                conn,
                "POST",
                "/scorecards/preview-score/",
                body,
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "HX-Request": "true",
                    "X-CSRFToken": csrf,
                    "Cookie": f"cxq_csrftoken={csrf}; cxq_session={session}",
                },
            )
            assert response.status == 200, response.status

        timed(api_call, 30)  # warm-up: compile cache, connections
        timed(form_call, 30)
        db = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
        print(f"Running total, 50-question scorecard, {db}, gunicorn 2 workers × 4 threads, sequential:")
        report("API  POST /api/v1/scoring/preview", timed(api_call, args.requests))
        report("htmx POST /scorecards/preview-score/", timed(form_call, args.requests))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
