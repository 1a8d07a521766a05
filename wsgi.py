"""Entry point for `flask` and `gunicorn wsgi:app`."""
from wiki import create_app

app = create_app()
