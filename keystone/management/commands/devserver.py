"""`manage.py devserver`: runserver as configured here (WhiteNoise serves the static files), on a server
that answers kept-alive connections without Nagle's 40 ms pause (keystone.devserver). `make run` uses it.

A command of its own name: an app's `runserver` would have to come before `whitenoise.runserver_nostatic`
in INSTALLED_APPS to be the one Django runs."""

from django.core.management import load_command_class

from keystone.devserver import NoDelayWSGIServer

Runserver = type(load_command_class("whitenoise.runserver_nostatic", "runserver"))


class Command(Runserver):
    help = "Runs the development server of `make run` (runserver, without a 40 ms pause per kept-alive request)."
    server_cls = NoDelayWSGIServer
