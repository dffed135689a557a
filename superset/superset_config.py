# Superset configuration for the local service started by `npm run services -- up` (scripts/services/superset.ts).
# Everything comes from the environment the provisioner passes: no secret is written here.
import os

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]  # generated into .services/secrets.env
DATA_DIR = os.environ["SUPERSET_DATA_DIR"]  # .services/data/superset
# Metadata (users, dashboards, charts, datasets) in SQLite under the service's data dir.
SQLALCHEMY_DATABASE_URI = "sqlite:///" + os.path.join(DATA_DIR, "superset.db") + "?check_same_thread=false"
SQLALCHEMY_EXAMPLES_URI = SQLALCHEMY_DATABASE_URI
UPLOAD_FOLDER = os.path.join(DATA_DIR, "uploads")

# Local single node: in-process rate-limit storage and caches; no Celery, no Redis.
RATELIMIT_STORAGE_URI = "memory://"
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
FILTER_STATE_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 86400}
EXPLORE_FORM_DATA_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 86400}

# Served on 127.0.0.1 over plain HTTP: no HTTPS redirects or HSTS from Talisman.
TALISMAN_ENABLED = False
SESSION_COOKIE_SECURE = False
WTF_CSRF_ENABLED = True
WTF_CSRF_TIME_LIMIT = None
ENABLE_PROXY_FIX = False
SUPERSET_WEBSERVER_TIMEOUT = 120
ROW_LIMIT = 50000

FEATURE_FLAGS = {
    "DASHBOARD_NATIVE_FILTERS": True,
    "ALERT_REPORTS": False,
}
