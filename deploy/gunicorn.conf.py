"""gunicorn's configuration for the register (`gunicorn -c deploy/gunicorn.conf.py`).

The access log leaves out query strings and the Referer: search terms travel in `?q=` and are
names, phone numbers and emails. `%(U)s` is the path alone; `%(r)s` (the request line), `%(q)s`
and `%(f)s` (the Referer, which carries the previous page's query) are never logged.
"""

bind = "0.0.0.0:8000"
workers = 4
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
