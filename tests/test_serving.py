"""Production serving: gunicorn.conf.py and what it does to the application before forking."""
import importlib.util
from pathlib import Path

from wiki.templating import compile_templates

CONF = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"


def load_conf(monkeypatch, **env):
    for name in [n for n in __import__("os").environ if n.startswith("GUNICORN_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("gunicorn_conf_under_test", CONF)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_defaults_follow_the_cpu_count(monkeypatch):
    conf = load_conf(monkeypatch)
    assert conf.workers == min(4 * conf.cores, 12)
    assert conf.worker_class == "gthread" and conf.threads == 2
    assert conf.reuse_port is conf.migrates_waiting_connections()
    assert conf.preload_app is True
    assert conf.max_requests >= 10000 and 0 < conf.max_requests_jitter < conf.max_requests


def test_a_socket_per_worker_only_where_the_kernel_hands_on_waiting_connections(monkeypatch,
                                                                              tmp_path):
    conf = load_conf(monkeypatch)
    setting = tmp_path / "tcp_migrate_req"
    assert conf.migrates_waiting_connections(str(setting)) is False  # an older kernel
    setting.write_text("0\n")
    assert conf.migrates_waiting_connections(str(setting)) is False
    setting.write_text("1\n")
    assert conf.migrates_waiting_connections(str(setting)) is True
    assert load_conf(monkeypatch, GUNICORN_REUSE_PORT="yes").reuse_port is True


def test_every_setting_comes_from_the_environment(monkeypatch):
    conf = load_conf(monkeypatch, GUNICORN_WORKERS="3", GUNICORN_THREADS="1",
                     GUNICORN_MAX_REQUESTS="0", GUNICORN_PRELOAD="no", GUNICORN_ACCESS_LOG="",
                     GUNICORN_REUSE_PORT="0")
    assert (conf.workers, conf.threads, conf.worker_class) == (3, 1, "sync")
    assert conf.reuse_port is False
    assert conf.max_requests == 0 and conf.max_requests_jitter == 0
    assert conf.preload_app is False and conf.accesslog is None


def test_templates_are_compiled_in_the_master_before_forking(monkeypatch, app):
    class Log:
        def __init__(self):
            self.lines = []

        def info(self, message, *args):
            self.lines.append(message % args)

    class Server:
        log = Log()

        class app:  # noqa: N801  (gunicorn's server.app.wsgi())
            @staticmethod
            def wsgi():
                return app_under_test

    app_under_test = app
    app.jinja_env.cache.clear()
    conf = load_conf(monkeypatch)
    conf.when_ready(Server)
    names = [n for n in app.jinja_env.list_templates() if n.endswith(".html")]
    assert "pages/view.html" in names and "base.html" in names
    cached = {key[1] for key in app.jinja_env.cache.keys()}
    assert set(names) <= cached
    assert Server.log.lines and "Compiled" in Server.log.lines[0]


def test_compile_templates_grows_a_small_template_cache(app):
    from jinja2.utils import LRUCache

    app.jinja_env.cache = LRUCache(5)
    count = compile_templates(app)
    assert count > 5
    assert len(app.jinja_env.cache) == count


def test_a_worker_takes_the_configured_gil_switch_interval(monkeypatch):
    import sys

    before = sys.getswitchinterval()
    try:
        conf = load_conf(monkeypatch, GUNICORN_SWITCH_INTERVAL_MS="0.5")
        conf.post_fork(None, None)
        assert abs(sys.getswitchinterval() - 0.0005) < 1e-9
        sys.setswitchinterval(before)
        load_conf(monkeypatch).post_fork(None, None)  # unset: Python's own interval stays
        assert sys.getswitchinterval() == before
    finally:
        sys.setswitchinterval(before)


def test_workers_leave_what_they_inherit_out_of_the_garbage_collectors_reach(monkeypatch):
    import gc

    conf = load_conf(monkeypatch)
    try:
        gc.unfreeze()
        conf.pre_fork(None, None)  # in the master, before each fork
        assert gc.get_freeze_count() > 0
        gc.unfreeze()
        conf.post_worker_init(None)  # in a worker that loaded the application itself
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
