"""The yardstick for `bench/throughput.py`: a Flask hello-world, served by gunicorn with the same
settings as casework, so every casework figure can be given as a ratio to it."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
