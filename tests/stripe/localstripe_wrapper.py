#!/usr/bin/env python3
"""Run localstripe (https://pypi.org/project/localstripe/) for Rehearse's
integration tests, isolated from anything shared on the machine.

Differences from `localstripe` (its `localstripe.server.start()`):

* binds 127.0.0.1 only (upstream binds `::` on a dual-stack socket, i.e. all
  interfaces, IPv4 and IPv6);
* the port comes from `--port` (required; `--port 0` picks a free port, the
  real one is printed in the ready line);
* the pickled state lives in `<state-dir>/localstripe.pickle` instead of the
  hard-coded, machine-wide `/tmp/localstripe.pickle`; `<state-dir>` is a fresh
  temporary directory (removed on exit) unless `--state-dir` is given.  The
  state is always started empty unless `--load-state` is given (upstream loads
  `/tmp/localstripe.pickle` unless `--from-scratch`);
* prints `localstripe listening on http://127.0.0.1:PORT` on stdout (flushed)
  once the listening socket accepts connections;
* adds `DELETE /_config/webhooks` and `DELETE /_config/webhooks/{id}`:
  upstream has no way to unregister a webhook, and `DELETE /_config/data`
  (its state flush) does not forget webhooks.

Exits cleanly on SIGTERM / SIGINT.  With `--exit-on-stdin-eof` it also exits
when its stdin is closed (so a test harness that dies without killing it
does not leave it running; spawn it with a piped stdin for that).

Usage (with the venv made by setup-localstripe.sh):
    "$VENV/bin/python" tests/stripe/localstripe_wrapper.py --port 8420 \
        [--state-dir DIR [--load-state]] [--quiet] [--exit-on-stdin-eof]
"""

import argparse
import asyncio
import logging
import os
import pickle
import shutil
import signal
import sys
import tempfile


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description='localstripe bound to 127.0.0.1 with a private state file')
    p.add_argument('--port', type=int, required=True,
                   help='TCP port on 127.0.0.1 (0 = pick a free one)')
    p.add_argument('--host', default='127.0.0.1',
                   help=argparse.SUPPRESS)  # loopback only; kept for tests
    p.add_argument('--state-dir', default=None,
                   help='directory for localstripe.pickle (default: a new '
                        'temporary directory, deleted on exit)')
    p.add_argument('--load-state', action='store_true',
                   help='load <state-dir>/localstripe.pickle if it exists '
                        '(default: start empty)')
    p.add_argument('--quiet', action='store_true',
                   help='no access log / webhook delivery log on stderr')
    p.add_argument('--exit-on-stdin-eof', action='store_true',
                   help='exit when stdin reaches EOF')
    return p.parse_args(argv)


def patch_state_path(state_file):
    """Point localstripe's Store at our own pickle file.

    localstripe.resources.Store hard-codes '/tmp/localstripe.pickle' in
    try_load_from_disk() and dump_to_disk(); the latter runs on every
    store write and after every POST/PUT/DELETE request."""
    from localstripe import resources

    def try_load_from_disk(self):
        try:
            with open(state_file, 'rb') as f:
                old = pickle.load(f)
        except FileNotFoundError:
            return
        dict.clear(self)
        dict.update(self, old)

    def dump_to_disk(self):
        tmp = state_file + '.tmp'
        with open(tmp, 'wb') as f:
            pickle.dump(self, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, state_file)

    resources.Store.try_load_from_disk = try_load_from_disk
    resources.Store.dump_to_disk = dump_to_disk
    return resources.store


def add_wrapper_routes(app):
    from aiohttp import web
    from localstripe import webhooks

    async def delete_webhook(request):
        webhooks._webhooks.pop(request.match_info['id'], None)
        return web.Response()

    async def delete_all_webhooks(request):
        webhooks._webhooks.clear()
        return web.Response()

    app.router.add_delete('/_config/webhooks/{id}', delete_webhook)
    app.router.add_delete('/_config/webhooks', delete_all_webhooks)


async def serve(args, app):
    from aiohttp import web

    logger = logging.getLogger('aiohttp.access')
    if args.quiet:
        logger.setLevel(logging.WARNING)
        runner = web.AppRunner(app, access_log=None)
    else:
        logger.setLevel(logging.DEBUG)
        handler = logging.StreamHandler(sys.stderr)
        logger.addHandler(handler)
        runner = web.AppRunner(app, access_log=logger)

    await runner.setup()
    site = web.TCPSite(runner, host=args.host, port=args.port,
                       reuse_address=True)
    try:
        await site.start()
    except OSError as e:
        await runner.cleanup()
        raise SystemExit('localstripe_wrapper: cannot listen on %s:%d: %s'
                         % (args.host, args.port, e.strerror or e))
    port = site._server.sockets[0].getsockname()[1]
    print('localstripe listening on http://%s:%d' % (args.host, port),
          flush=True)

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if args.exit_on_stdin_eof:
        def on_stdin():
            try:
                data = os.read(sys.stdin.fileno(), 4096)
            except OSError:
                data = b''
            if not data:
                loop.remove_reader(sys.stdin.fileno())
                stop.set()
        loop.add_reader(sys.stdin.fileno(), on_stdin)

    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv=None):
    args = parse_args(argv)
    if args.host not in ('127.0.0.1', 'localhost', '::1'):
        sys.exit('localstripe_wrapper: refusing to bind a non-loopback host')

    own_tmp = None
    if args.state_dir is None:
        own_tmp = tempfile.mkdtemp(prefix='rehearse-localstripe-')
        state_dir = own_tmp
    else:
        state_dir = os.path.abspath(args.state_dir)
        os.makedirs(state_dir, exist_ok=True)
    state_file = os.path.join(state_dir, 'localstripe.pickle')

    # Patch before localstripe.server is imported: importing it builds the
    # aiohttp app, and nothing must ever read/write /tmp/localstripe.pickle.
    store = patch_state_path(state_file)
    if args.load_state:
        store.try_load_from_disk()
    else:
        store.clear()
        store.dump_to_disk()

    from localstripe import server
    add_wrapper_routes(server.app)

    try:
        asyncio.run(serve(args, server.app))
    finally:
        if own_tmp is not None:
            shutil.rmtree(own_tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
