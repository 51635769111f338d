#!/usr/bin/env python3
"""Writes a monorepo's changed paths, or a scope's globs, deterministically.

Usage:
  gen_paths.py paths --count N [--seed S] [--out FILE]
  gen_paths.py globs --count K [--seed S] --allow-out FILE --deny-out FILE

`paths` writes N distinct repo-relative paths, one per line (what
`muster-scope --paths` and bench/py_pathspec.py read): a monorepo of
services/, packages/, libs/, apps/, crates/, docs/, tools/, infra/, scripts/
and root files; 1 to 8 segments; extensions mostly .rs .py .ts .md .json
.yaml (and .tsx .toml .sql .pem .sh ...); a Zipf-like spread over the
services and packages (a few are changed often, most rarely); about 1% of
the paths have non-ASCII names and about 1% have spaces (both only under
docs/ and apps/*/src/locales/, apps/*/assets/). With the same seed, the
first N paths of a larger count are the paths of count N.

`globs` writes K allow globs (one per line, for --allow-file) and the deny
globs (one per line; muster-scope takes them as --deny flags). The K sets are
nested: the first 10 are the same hand-picked ones in every set (anchored
directories, `*.md`, `**/test_*.py`, `docs/**/*.md`, literal files, a class,
a `?`), the rest are drawn from templates over the same repo model, so a
realistic and growing fraction of the paths matches (about 25% at 10 globs,
more at 100 and 1000).

The globs are built so that gitignore (what pathspec implements) and muster's
dialect (docs/globs.md) give the same answer on every generated path:

* muster's one difference: a wildcard pattern that does not end with `/` or
  `/**` takes only whole file paths, never the contents of a directory it
  matches. Here every such pattern's last segment has a literal `.` (`*.md`,
  `test_*.py`, `??.rs`), and no generated directory name has a `.` in it, so
  no wildcard pattern can match a directory. The generator checks both.
* `?` is one byte to muster (like git) and one character to pathspec: `?`
  appears only under services/, packages/ and crates/, where every name is
  ASCII (checked).
* No path is under muster's protected directories (.github/workflows/,
  .muster/), none is absolute, has a `.`/`..`/empty segment, or is in .git.
"""

import argparse
import bisect
import random
import sys

from benchlib import write_lines

# ---- the repo model (fixed; the seed only drives which paths get changed) ----

DOMAINS = (
    "payments", "billing", "auth", "search", "ledger", "notifications", "users", "orders",
    "inventory", "shipping", "analytics", "gateway", "catalog", "pricing", "checkout", "fraud",
    "identity", "messaging", "reporting", "scheduler", "storage", "media", "recommendations",
    "reviews", "loyalty", "tax", "invoicing", "subscriptions", "onboarding", "compliance", "audit",
    "geo", "routing", "fulfillment", "returns", "support", "chat", "feeds", "profiles", "sessions",
    "tokens", "webhooks", "exports", "imports", "metrics", "alerts", "config", "secrets-broker",
    "feature-flags", "experiments", "ads", "marketing", "email", "sms", "push", "partners",
    "vendors", "contracts", "payouts", "refunds",
)
SUFFIXES = ("", "-api", "-worker", "-sync", "-admin")
# 300 services, the most changed first.
SERVICES = tuple(d + s for s in SUFFIXES for d in DOMAINS)

PKG_WORDS = (
    "ui", "core", "design", "data", "http", "forms", "charts", "icons", "theme", "state", "router",
    "i18n", "auth", "testing", "logger", "config", "cache", "query", "table", "editor", "maps",
    "upload", "date", "money", "intl", "hooks", "layout", "modal", "toast", "grid",
)
PKG_KINDS = ("kit", "utils", "client", "components", "sdk", "react", "store")
PACKAGES = tuple(f"{w}-{k}" for k in PKG_KINDS for w in PKG_WORDS)  # 210
LIBS = tuple(f"{w}" for w in (
    "telemetry", "tracing", "crypto", "encoding", "retry", "ratelimit", "pool", "queue", "codec",
    "schema", "validation", "fsutil", "netutil", "timeutil", "strutil", "hashing", "compression",
    "serde-ext", "async-ext", "proto", "grpc", "db", "migrate", "kv", "blob", "events", "bus",
    "money", "tz", "ids", "jwt", "oauth", "tls", "dns", "http2", "ws", "sse", "cron", "backoff",
    "circuit", "featureflag", "sampling", "otel", "prom", "statsd", "health", "shutdown",
    "signals", "plugin", "sandbox",
))
APPS = ("web", "admin", "mobile", "desktop", "docs-site", "storybook", "console", "partner-portal",
        "checkout-web", "landing", "help-center", "status-page", "cli", "dashboard", "kiosk",
        "pos", "ops", "studio", "playground", "widgets")
CRATES = tuple(f"muster-{w}" for w in (
    "core", "cli", "io", "json", "glob", "diff", "ledger", "plan", "route", "run", "gate", "scope",
    "config", "time", "ids", "hash", "fs", "git", "proc", "log", "bench", "test-utils", "macros",
    "schema", "http", "store", "cache", "sync", "queue", "wire", "index", "query", "walk", "watch",
    "lock", "retry", "pool", "trace", "metrics", "fmt",
))
TOOLS = ("codegen", "lint-rules", "release", "deps", "migrate", "seed-data", "perf", "ci-helpers")
INFRA_ENVS = ("dev", "staging", "prod", "sandbox")

RUST_DIRS = ("handlers", "models", "api", "db", "util", "internal", "v1", "v2", "v3", "domain",
             "adapters", "ports", "jobs", "events", "store", "client", "server", "middleware",
             "errors", "types", "legacy", "codec", "cache", "proto")
PY_DIRS = ("app", "api", "core", "models", "services", "utils", "schemas", "tasks", "db",
           "views", "serializers", "management", "commands", "migrations", "adapters", "legacy")
TS_DIRS = ("components", "hooks", "pages", "lib", "utils", "store", "api", "styles", "types",
           "features", "layouts", "widgets", "v1", "v2", "forms", "icons", "generated")
DOC_DIRS = ("guides", "reference", "adr", "runbooks", "howto", "api", "tutorials", "architecture",
            "onboarding", "postmortems", "rfcs", "security")
WORDS = ("client", "server", "handler", "router", "config", "models", "schema", "types", "utils",
         "errors", "auth", "session", "token", "cache", "store", "queue", "worker", "retry",
         "limits", "metrics", "events", "payment", "invoice", "refund", "order", "user",
         "account", "profile", "search", "index", "query", "filter", "parser", "encoder",
         "decoder", "format", "validate", "transform", "mapper", "builder", "factory", "service",
         "repository", "controller", "middleware", "pipeline", "stream", "batch", "export",
         "import", "sync", "merge", "diff", "patch", "ledger", "audit", "policy", "rules",
         "pricing", "tax", "currency", "address", "shipment", "label", "carrier", "webhook",
         "notify", "email", "template", "render", "layout", "theme", "button", "modal", "table",
         "chart", "form", "input", "select", "upload", "download", "preview", "editor", "io",
         "db", "fs", "ws", "ui", "id", "ts")
# Non-ASCII names and names with spaces: only under docs/ and apps/ (see the module doc).
I18N_LANGS = ("fr", "de", "ja", "zh", "es", "pt-BR", "pl", "sv")
I18N_TITLES = (
    "démarrage rapide", "référence de l'API", "sécurité", "Übersicht", "Schnellstart",
    "Größenordnung", "はじめに", "設定ガイド", "トラブルシューティング", "快速入门", "配置指南",
    "configuración", "guía rápida", "introdução", "começando", "przegląd", "översikt",
    "naïve résumé", "café", "Ångström units",
)
LOCALE_NAMES = ("common", "errors", "checkout", "navigation", "übersetzung", "pagamento",
                "zahlungsübersicht", "ошибки", "注文", "結帳")
SPACED_DIRS = ("Design Notes", "meeting notes", "Brand Guide", "Q3 planning", "old drafts")
SPACED_FILES = ("draft 1", "final v2", "notes from offsite", "open questions", "logo final",
                "roadmap 2026", "retro - march")
ROOT_FILES = ("README.md", "CHANGELOG.md", "Cargo.toml", "Cargo.lock", "package.json",
              "pnpm-lock.yaml", "pyproject.toml", "Makefile", ".gitignore", ".editorconfig",
              "tsconfig.json", "renovate.json", "CODEOWNERS", "LICENSE", ".prettierrc.json")


def lang_of(name):
    """A service's language: fixed by its name (so the model does not depend on the seed)."""
    return ("rust", "python", "ts")[sum(map(ord, name)) % 3]


class Picker:
    """Choices with fixed weights, from rng.random() only (stable across Python versions)."""

    def __init__(self, items, weights):
        self.items = tuple(items)
        self.cum = []
        total = 0.0
        for w in weights:
            total += w
            self.cum.append(total)
        self.total = total

    def __call__(self, rng):
        return self.items[min(bisect.bisect_right(self.cum, rng.random() * self.total), len(self.items) - 1)]


def zipf(items, s=1.0):
    return Picker(items, [1.0 / (i + 1) ** s for i in range(len(items))])


def uniform(items):
    return Picker(items, [1.0] * len(items))


def pick(rng, seq):
    return seq[min(int(rng.random() * len(seq)), len(seq) - 1)]


def chance(rng, p):
    return rng.random() < p


PICK_SERVICE = zipf(SERVICES, 1.05)
PICK_PACKAGE = zipf(PACKAGES, 1.0)
PICK_LIB = zipf(LIBS, 0.9)
PICK_APP = zipf(APPS, 0.9)
PICK_CRATE = zipf(CRATES, 0.9)
INNER_DEPTH = Picker((0, 1, 2, 3, 4, 5), (10, 30, 30, 17, 9, 4))


def inner_dirs(rng, vocab, first, room):
    """`first` (a directory name or None), then 0-5 more from vocab, at most `room` in all."""
    d = min(INNER_DEPTH(rng), room)
    out = [first] if first and d > 0 else []
    while len(out) < d:
        out.append(pick(rng, vocab))
    return out


def rust_file(rng, dirs):
    r = rng.random()
    if r < 0.08:
        return "mod.rs"
    if r < 0.12:
        return "lib.rs" if not dirs or dirs == ["src"] else "mod.rs"
    if r < 0.86:
        return pick(rng, WORDS) + ".rs"
    if r < 0.90:
        return pick(rng, WORDS) + "_test.rs"
    if r < 0.95:
        return pick(rng, WORDS) + ".md"
    return pick(rng, WORDS) + pick(rng, (".json", ".yaml", ".toml", ".snap"))


def py_file(rng, dirs):
    r = rng.random()
    in_tests = "tests" in dirs
    if r < 0.08:
        return "__init__.py"
    if r < 0.70:
        return ("test_" if in_tests or chance(rng, 0.05) else "") + pick(rng, WORDS) + ".py"
    if r < 0.78:
        return "conftest.py" if in_tests else pick(rng, WORDS) + "_helpers.py"
    if r < 0.88:
        return pick(rng, WORDS) + pick(rng, (".json", ".yaml"))
    if r < 0.94:
        return pick(rng, WORDS) + ".md"
    return f"{int(rng.random() * 60):04d}_{pick(rng, WORDS)}.sql"


def ts_file(rng, dirs):
    r = rng.random()
    w = pick(rng, WORDS)
    if r < 0.45:
        return w + ".ts"
    if r < 0.65:
        return w[:1].upper() + w[1:] + ".tsx"
    if r < 0.75:
        return w + ".test.ts"
    if r < 0.79:
        return w + ".generated.ts"
    if r < 0.84:
        return "index.ts"
    if r < 0.92:
        return w + pick(rng, (".json", ".yaml", ".css"))
    return w + ".md"


def service_path(rng):
    svc = PICK_SERVICE(rng)
    top = ["services", svc]
    lang = lang_of(svc)
    r = rng.random()
    if r < 0.06:  # service-level files
        return top + [pick(rng, ("README.md", "CHANGELOG.md", "Dockerfile", "Makefile", "OWNERS",
                                 "Cargo.toml" if lang == "rust" else
                                 "pyproject.toml" if lang == "python" else "package.json"))]
    if r < 0.16:  # config, deploy, secrets
        d = [pick(rng, ("config", "deploy", "config"))]
        if chance(rng, 0.12):
            d.append("secrets")
            return top + d + [pick(rng, WORDS) + pick(rng, (".yaml", ".pem", ".json"))]
        if chance(rng, 0.4):
            d.append(pick(rng, INFRA_ENVS))
        return top + d + [pick(rng, WORDS) + pick(rng, (".yaml", ".yaml", ".json", ".toml", ".pem"))]
    if r < 0.22:  # migrations
        return top + ["migrations", f"{int(rng.random() * 400):04d}_{pick(rng, WORDS)}.sql"]
    if r < 0.26:  # service docs
        return top + ["docs"] + inner_dirs(rng, DOC_DIRS, None, 2) + [pick(rng, WORDS) + ".md"]
    in_tests = chance(rng, 0.22)
    if lang == "rust":
        dirs = ["tests"] + inner_dirs(rng, RUST_DIRS, None, 3) if in_tests else ["src"] + inner_dirs(rng, RUST_DIRS, None, 4)
        return top + dirs + [rust_file(rng, dirs)]
    if lang == "python":
        mod = svc.replace("-", "_")
        dirs = ["tests"] + inner_dirs(rng, PY_DIRS, None, 3) if in_tests else [mod] + inner_dirs(rng, PY_DIRS, None, 4)
        return top + dirs + [py_file(rng, dirs)]
    dirs = ["test"] + inner_dirs(rng, TS_DIRS, None, 3) if in_tests else ["src"] + inner_dirs(rng, TS_DIRS, None, 4)
    return top + dirs + [ts_file(rng, dirs)]


def package_path(rng):
    pkg = PICK_PACKAGE(rng)
    top = ["packages", pkg]
    r = rng.random()
    if r < 0.10:
        return top + [pick(rng, ("package.json", "README.md", "tsconfig.json", "CHANGELOG.md", ".eslintrc.json"))]
    if r < 0.25:
        return top + ["test"] + inner_dirs(rng, TS_DIRS, None, 2) + [pick(rng, WORDS) + ".test.ts"]
    dirs = ["src"] + inner_dirs(rng, TS_DIRS, None, 4)
    return top + dirs + [ts_file(rng, dirs)]


def lib_path(rng):
    lib = PICK_LIB(rng)
    top = ["libs", lib]
    if chance(rng, 0.1):
        return top + [pick(rng, ("Cargo.toml", "README.md", "CHANGELOG.md"))]
    dirs = [pick(rng, ("src", "src", "src", "tests", "benches"))] + inner_dirs(rng, RUST_DIRS, None, 4)
    return top + dirs + [rust_file(rng, dirs)]


def crate_path(rng):
    c = PICK_CRATE(rng)
    top = ["crates", c]
    if chance(rng, 0.1):
        return top + [pick(rng, ("Cargo.toml", "README.md", "build.rs"))]
    r = rng.random()
    if r < 0.2:
        return top + ["src", pick(rng, ("io", "db", "fs", "ws", "ui", "id", "ts")) + ".rs"]
    dirs = [pick(rng, ("src", "src", "src", "tests", "benches", "examples"))] + inner_dirs(rng, RUST_DIRS, None, 4)
    return top + dirs + [rust_file(rng, dirs)]


def app_path(rng):
    app = PICK_APP(rng)
    top = ["apps", app]
    r = rng.random()
    if r < 0.07:  # locales: some non-ASCII file names
        return top + ["src", "locales", pick(rng, I18N_LANGS), pick(rng, LOCALE_NAMES) + ".json"]
    if r < 0.10:  # assets: names with spaces
        return top + ["assets", pick(rng, SPACED_DIRS), pick(rng, SPACED_FILES) + pick(rng, (".svg", ".png", ".json"))]
    if r < 0.16:
        return top + [pick(rng, ("package.json", "README.md", "tsconfig.json", "vite.config.ts", "next.config.ts"))]
    dirs = ["src"] + inner_dirs(rng, TS_DIRS, None, 4)
    return top + dirs + [ts_file(rng, dirs)]


def doc_path(rng):
    r = rng.random()
    if r < 0.10:  # translations: non-ASCII names, some with spaces
        return ["docs", "i18n", pick(rng, I18N_LANGS)] + inner_dirs(rng, DOC_DIRS, None, 2) + [pick(rng, I18N_TITLES) + ".md"]
    if r < 0.20:  # folders and files with spaces
        return ["docs", pick(rng, SPACED_DIRS), pick(rng, SPACED_FILES) + pick(rng, (".md", ".md", ".yaml"))]
    dirs = ["docs"] + inner_dirs(rng, DOC_DIRS, pick(rng, DOC_DIRS), 5)
    return dirs + [pick(rng, WORDS) + pick(rng, (".md", ".md", ".md", ".md", ".json", ".yaml"))]


def tool_path(rng):
    r = rng.random()
    if r < 0.4:
        return ["tools", pick(rng, TOOLS)] + inner_dirs(rng, PY_DIRS, None, 3) + [pick(rng, WORDS) + pick(rng, (".py", ".py", ".sh", ".md"))]
    if r < 0.8:
        env = pick(rng, INFRA_ENVS)
        return ["infra", env] + inner_dirs(rng, ("k8s", "terraform", "helm", "monitoring", "network", "iam"), None, 3) + \
            [pick(rng, WORDS) + pick(rng, (".yaml", ".yaml", ".json", ".tf", ".md"))]
    return ["scripts", pick(rng, WORDS) + pick(rng, (".sh", ".py", ".py"))]


AREAS = Picker(
    (service_path, package_path, lib_path, app_path, crate_path, doc_path, tool_path, None),
    (34, 22, 8, 10, 7, 9, 8, 2),
)


def check_path(segs, path):
    # The invariants the module doc promises (the bench depends on them).
    assert 1 <= len(segs) <= 8, path
    for d in segs[:-1]:
        assert "." not in d, f"directory name with a dot: {path}"
    for s in segs:
        assert s and s not in (".", "..") and s.lower() != ".git" and "\n" not in s, path
    if segs[0] in ("services", "packages", "crates"):
        assert path.isascii(), path


def paths(seed):
    """Yields distinct paths forever (well, until the model runs out)."""
    rng = random.Random(seed)
    seen = set()
    while True:
        gen = AREAS(rng)
        segs = gen(rng) if gen is not None else [pick(rng, ROOT_FILES)]
        path = "/".join(segs)
        if path in seen:
            continue
        check_path(segs, path)
        seen.add(path)
        yield path


# ---- globs ------------------------------------------------------------------

# The same first ten in every set.
BASE_ALLOW = (
    "services/payments/",        # an anchored directory
    "*.md",                      # a floating extension
    "**/test_*.py",              # any depth
    "docs/**/*.md",              # anchored, any depth below
    "Cargo.toml",                # a literal name, at any depth
    "[abc]*.rs",                 # a class
    "services/billing/src/v?/",  # ? in a directory
    "libs/telemetry/**",         # everything below
    "packages/ui-kit/package.json",  # a literal file
    "/apps/web/src/",            # a leading slash
)
DENY = (
    "**/secrets/",
    "*.pem",
    "services/payments/src/legacy/",
    "**/*.generated.ts",
    "infra/prod/",
)
EXTS = ("rs", "py", "ts", "md", "json", "yaml", "tsx", "toml", "sql")


def glob_templates():
    """(weight, function rng -> glob)."""
    svc = uniform(SERVICES)
    pkg = uniform(PACKAGES)
    lib = uniform(LIBS)
    app = uniform(APPS)
    crate = uniform(CRATES)
    return (
        # anchored directories: the bulk of real allowlists
        (16, lambda r: f"services/{svc(r)}/"),
        (6, lambda r: f"services/{svc(r)}/{pick(r, ('src', 'tests', 'config', 'migrations', 'docs'))}/"),
        (4, lambda r: f"services/{svc(r)}/src/{pick(r, RUST_DIRS)}/"),
        (7, lambda r: f"packages/{pkg(r)}/src/"),
        (3, lambda r: f"/libs/{lib(r)}/"),
        (3, lambda r: f"libs/{lib(r)}"),                       # no slash: literal, takes what is below
        (4, lambda r: f"crates/{crate(r)}/**"),
        (2, lambda r: f"apps/{app(r)}/src/{pick(r, TS_DIRS)}/"),
        (2, lambda r: f"docs/{pick(r, DOC_DIRS)}/"),
        (1, lambda r: f"infra/{pick(r, INFRA_ENVS)}/{pick(r, ('k8s', 'terraform', 'helm'))}/"),
        # anchored wildcards
        (7, lambda r: f"services/{svc(r)}/**/*.{pick(r, EXTS)}"),
        (4, lambda r: f"packages/{pkg(r)}/src/*.ts"),
        (2, lambda r: f"packages/{pkg(r)}/src/**/*.tsx"),
        (2, lambda r: f"apps/{app(r)}/src/**/*.tsx"),
        (3, lambda r: f"crates/{crate(r)}/src/*.rs"),
        (3, lambda r: f"services/{svc(r)}/tests/test_*.py"),
        (2, lambda r: f"packages/{pkg(r)}/src/v?/*.ts"),
        (2, lambda r: f"crates/{crate(r)}/src/??.rs"),
        (3, lambda r: f"services/{svc(r)}/src/[a-{pick(r, 'fmpt')}]*.rs"),
        (1, lambda r: f"services/{svc(r)}/migrations/00[0-3]?_*.sql"),
        (2, lambda r: f"services/*/config/{pick(r, WORDS)}.yaml"),
        (1, lambda r: f"docs/{pick(r, DOC_DIRS)}/**/*.md"),
        # literal files
        (4, lambda r: f"services/{svc(r)}/{pick(r, ('Cargo.toml', 'pyproject.toml', 'package.json', 'README.md'))}"),
        (4, lambda r: f"packages/{pkg(r)}/package.json"),
        (2, lambda r: f"crates/{crate(r)}/src/lib.rs"),
        (4, lambda r: f"services/{svc(r)}/src/{pick(r, RUST_DIRS)}/{pick(r, WORDS)}.rs"),
        # floating, narrow
        (2, lambda r: f"**/{pick(r, RUST_DIRS + TS_DIRS)}/{pick(r, WORDS)}.{pick(r, EXTS)}"),
        (1, lambda r: f"**/{pick(r, ('fixtures', 'snapshots', 'testdata', 'migrations'))}/*.{pick(r, EXTS)}"),
        (1, lambda r: f"{pick(r, WORDS)}_*.py"),
        (1, lambda r: f"{pick(r, WORDS)}.test.ts"),
    )


def check_glob(g):
    """The invariants of the module doc, for one glob."""
    assert "!" not in g and "{" not in g and "\\" not in g and g.strip() == g and not g.startswith("#"), g
    wild = any(c in g for c in "*?[")
    if wild and not (g.endswith("/") or g.endswith("/**")):
        last = g.rsplit("/", 1)[-1]
        assert "." in last.replace("[", "").split("]")[-1], f"wildcard glob whose last segment has no literal dot: {g}"
    if "?" in g:
        assert g.lstrip("/").split("/", 1)[0] in ("services", "packages", "crates"), f"? outside the ASCII-only areas: {g}"
    for p in (".github/workflows/", ".muster/"):
        assert not g.lstrip("/").startswith(p.split("/")[0]), g


def globs(count, seed):
    rng = random.Random(seed * 31 + 7)
    out, seen = [], set()
    for g in BASE_ALLOW:
        if len(out) == count:
            break
        out.append(g)
        seen.add(g)
    tpl = glob_templates()
    choose = Picker([f for _, f in tpl], [w for w, _ in tpl])
    tries = 0
    while len(out) < count:
        tries += 1
        if tries > count * 100:
            sys.exit(f"gen_paths.py: cannot make {count} distinct globs from the templates")
        g = choose(rng)(rng)
        if g in seen:
            continue
        seen.add(g)
        out.append(g)
    for g in out + list(DENY):
        check_glob(g)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("paths", help="changed paths, one per line")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--seed", type=int, default=20261121)
    p.add_argument("--out", default="-", help="output file (- is stdout)")
    g = sub.add_parser("globs", help="allow globs (and the deny globs)")
    g.add_argument("--count", type=int, required=True, help="number of allow globs")
    g.add_argument("--seed", type=int, default=20261121)
    g.add_argument("--allow-out", required=True)
    g.add_argument("--deny-out", required=True)
    a = ap.parse_args()
    if a.count < 1:
        ap.error("--count must be at least 1")
    if a.cmd == "paths":
        write_lines(a.out, paths(a.seed), a.count)
    else:
        allow = globs(a.count, a.seed)
        with open(a.allow_out, "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(allow) + "\n")
        with open(a.deny_out, "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(DENY) + "\n")


if __name__ == "__main__":
    main()
