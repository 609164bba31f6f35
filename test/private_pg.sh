#!/usr/bin/env bash
# test/private_pg.sh: make a relocated private copy of the PostgreSQL 15 installation in DIR,
# so that several developers can `make install` different builds on one machine without
# overwriting each other (and without write access to the system directories).
#
#   usage: test/private_pg.sh DIR      prints the private pg_config; use it as
#                                      make PG_CONFIG=<that> install
#
# The installation copied is the one of $PG_CONFIG if set, else /usr/lib/postgresql/15/bin/pg_config
# (Debian/Ubuntu), else the pg_config on PATH.
#
# Why this works: PostgreSQL programs (postgres, pg_config, pg_regress's psql ...) find their
# share/lib/include directories relative to the location of their own binary whenever those
# directories share a path prefix with the binary directory.  Copying every directory to the same
# place relative to their common prefix therefore gives a working relocated installation.
# Only the server's directories are copied (about 35 MB); client libraries stay where they are.
# An existing copy in DIR is reused as is.
set -euo pipefail
dir=${1:?usage: test/private_pg.sh DIR}

pgc=${PG_CONFIG:-}
if [[ -z $pgc ]]; then
  if [[ -x /usr/lib/postgresql/15/bin/pg_config ]]; then
    pgc=/usr/lib/postgresql/15/bin/pg_config
  else
    pgc=pg_config
  fi
fi
command -v "$pgc" >/dev/null || { echo "private_pg.sh: $pgc not found" >&2; exit 1; }

bindir=$("$pgc" --bindir)                # /usr/lib/postgresql/15/bin on Debian
pkglibdir=$("$pgc" --pkglibdir)          # /usr/lib/postgresql/15/lib (holds pgxs/)
sharedir=$("$pgc" --sharedir)            # /usr/share/postgresql/15
incdir=$("$pgc" --includedir-server)     # /usr/include/postgresql/15/server
dirs=("$bindir" "$pkglibdir" "$sharedir" "$incdir")

# Longest common directory prefix of all four (/usr on Debian).
prefix=$bindir
for d in "${dirs[@]}"; do
  while [[ $d != "$prefix" && $d != "$prefix"/* ]]; do
    prefix=$(dirname "$prefix")
  done
done
[[ $prefix == / ]] && prefix=

# Copies directory $1 to $2.  In pkglibdir, the JIT bitcode of the server itself (bitcode/postgres,
# 21 MB of the 32) is only read: it is symlinked, not copied; other modules' bitcode is left out
# (it only serves JIT inlining of those modules).  `make install` adds retail_kpi's own bitcode.
copy_dir() {
  local src=$1 dst=$2 f n
  if [[ $src == "$pkglibdir" && -d $src/bitcode ]]; then
    mkdir -p "$dst/bitcode"
    shopt -s dotglob nullglob
    local entries=()
    for f in "$src"/*; do [[ ${f##*/} == bitcode ]] || entries+=("$f"); done
    shopt -u dotglob nullglob
    ((${#entries[@]} == 0)) || cp -a "${entries[@]}" "$dst/"
    for n in postgres postgres.index.bc; do
      [[ -e $src/bitcode/$n ]] && ln -s "$src/bitcode/$n" "$dst/bitcode/$n"
    done
  else
    cp -a "$src" "$dst"
  fi
}

mkdir -p "$dir"
for d in "${dirs[@]}"; do
  rel=${d#"$prefix"/}
  if [[ ! -d $dir/$rel ]]; then
    mkdir -p "$dir/$(dirname "$rel")"
    rm -rf "$dir/$rel.tmp.$$"
    copy_dir "$d" "$dir/$rel.tmp.$$"      # copy then rename: an interrupted copy is never reused
    mv "$dir/$rel.tmp.$$" "$dir/$rel"
  fi
done
echo "$dir/${bindir#"$prefix"/}/pg_config"
