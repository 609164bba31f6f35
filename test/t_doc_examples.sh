#!/usr/bin/env bash
# test/t_doc_examples.sh: documentation that cannot rot.
#
# 1. Runs every ```sql block of docs/*.md and README.md (conventions: docs/versioning.md, "Tested
#    documentation"):
#    - the blocks of one page run in order in one psql session (ON_ERROR_STOP; SET search_path and
#      temporary tables carry over), in a fresh copy of a template database holding the demo data
#      set (schema retail_demo, test/demo/generate.sql at a small scale) with the extension created;
#    - a block containing CREATE EXTENSION retail_kpi starts a new session in a fresh database
#      without the extension;
#    - a block opened with ```sql skip is not run (say next to it why);
#    - expected output: a statement followed by a comment `-- => value` (on the line that ends the
#      statement with `;`, and/or on the comment lines right after it, one line per row) must print
#      exactly those rows (psql unaligned output; fields separated by `|`, spaces around `|`
#      ignored; a ` -- ` after the value starts a free comment; NULL prints as NULL).
#    A block that errors or prints something else fails the test, naming the file and block number.
# 2. Every SQL function of the extension is named in some docs/*.md page and called in some block
#    that runs (an example); type I/O and aggregate support functions *_in *_out *_recv *_send
#    *_trans *_combine *_final and internal _* helpers are excepted, and from the example rule the
#    functions whose comment starts with "internal:".
# RK_DOC_SCALE (default 0.05) sets the demo data scale; LC_KEEP=1 keeps the work files (blocks,
# session files and outputs under $RK_TMP/doc_examples.PID).
# Run by test/run_tests.sh with the cluster in PG* variables (a superuser) and the repository as $1.
set -euo pipefail
repo=${1:?usage: t_doc_examples.sh REPO_DIR}
bindir=${RK_BINDIR:-$(dirname "$(command -v psql)")}
tmp=${RK_TMP:-$(mktemp -d)}/doc_examples.$$
template=rk_doc_template
scale=${RK_DOC_SCALE:-0.05}
psql() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

dbs=()
cleanup() {
  local d
  for d in "${dbs[@]}" "$template"; do
    psql -d postgres -c "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1 || true
  done
  [[ -n ${LC_KEEP:-} ]] || rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp"

# ---- the template: demo data (no extension: generate.sql does not need it)
PGOPTIONS="-c client_min_messages=warning" psql -d postgres -c "DROP DATABASE IF EXISTS $template" -c "CREATE DATABASE $template"
psql -d "$template" -v scale="$scale" -v seed=42 -f "$repo/test/demo/generate.sql" >"$tmp/generate.log" 2>&1 ||
  { cat "$tmp/generate.log"; echo "FAIL: test/demo/generate.sql"; exit 1; }

# ---- extract the blocks: for page P, block N -> $tmp/blocks/P.N.sql (+ .info), with \echo markers
# around statements that carry expected output, and the expected rows in P.N.expect.K
mkdir -p "$tmp/blocks"
pages=()
for f in "$repo"/docs/*.md "$repo"/README.md; do
  [[ -f $f ]] && pages+=("$f")
done
perl -e '
  use strict; use warnings;
  my $out = shift @ARGV;
  my $page = 0;
  for my $file (@ARGV) {
    $page++;
    open(my $in, "<", $file) or die "$file: $!";
    my ($in_block, $n, @lines, $info) = (0, 0);
    while (my $line = <$in>) {
      chomp $line;
      if (!$in_block && $line =~ /^```sql\b\s*(.*)$/) { $in_block = 1; $n++; $info = $1; @lines = (); next; }
      if ($in_block && $line =~ /^```\s*$/) {
        $in_block = 0;
        my $id = sprintf("%03d.%03d", $page, $n);
        my $base = "$out/$id";
        open(my $fi, ">", "$base.info") or die; print $fi "$file\t$n\t$info\n"; close $fi;
        # mark statements with expected output
        my (@sql, $start, $k, %expect);
        my $stmt_open = 0; my $last_end = -1; $k = 0;
        my @outl;
        my $i = 0;
        my @ends;      # (start index, end index) of each statement
        for ($i = 0; $i < @lines; $i++) {
          my $l = $lines[$i];
          if (!$stmt_open) {
            next if $l =~ /^\s*(--.*)?$/ || $l =~ /^\s*\\/;
            $stmt_open = 1; $start = $i;
          }
          if ($l =~ /;\s*(--.*)?$/) { push @ends, [$start, $i]; $stmt_open = 0; }
        }
        my %before; my %after;
        for my $se (@ends) {
          my ($s, $e) = @$se;
          my @exp;
          if ($lines[$e] =~ /;\s*--\s*=>(.*)$/) { push @exp, $1; }
          my $j = $e + 1;
          while ($j < @lines && $lines[$j] =~ /^\s*--\s*=>(.*)$/) { push @exp, $1; $j++; }
          next unless @exp;
          $k++;
          $before{$s} = $k; $after{$e} = $k;
          open(my $fe, ">", "$base.expect.$k") or die;
          for my $x (@exp) {
            $x =~ s/\s+--\s.*$//;
            $x =~ s/^\s+|\s+$//g;
            $x = join(" | ", map { my $v = $_; $v =~ s/^\s+|\s+$//g; $v } split(/\|/, $x, -1));
            print $fe "$x\n";
          }
          close $fe;
          open(my $fs, ">", "$base.stmt.$k") or die; print $fs join("\n", @lines[$s..$e]), "\n"; close $fs;
        }
        for ($i = 0; $i < @lines; $i++) {
          push @outl, "\\echo \@\@BEGIN $id.$before{$i}" if exists $before{$i};
          push @outl, $lines[$i];
          push @outl, "\\echo \@\@END $id.$after{$i}" if exists $after{$i};
        }
        open(my $fo, ">", "$base.sql") or die; print $fo join("\n", @outl), "\n"; close $fo;
      }
      push @lines, $line if $in_block;
    }
    die "$file: unterminated \x60\x60\x60sql block\n" if $in_block;
  }
' "$tmp/blocks" "${pages[@]}"

# ---- run them
nblocks=0
nchecks=0
nskipped=0
failures=()
db=
dbn=0
new_db() {   # $1 = with extension (1/0)
  dbn=$((dbn + 1))
  db=rk_doc_$dbn
  dbs+=("$db")
  PGOPTIONS="-c client_min_messages=warning" psql -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db TEMPLATE $template"
  if (($1)); then psql -d "$db" -c "CREATE EXTENSION retail_kpi"; fi
}
check_output() {   # $1 = block id, $2 = the run's output, $3 = where
  local e k
  for e in "$tmp/blocks/$1".expect.*; do
    [[ -f $e ]] || continue
    k=${e##*.}
    nchecks=$((nchecks + 1))
    sed -n "/^@@BEGIN $1.$k\$/,/^@@END $1.$k\$/p" "$2" | sed '1d;$d' |
      sed -E 's/[[:space:]]*\|[[:space:]]*/ | /g; s/^[[:space:]]+|[[:space:]]+$//g' >"$e.got"
    if ! cmp -s "$e" "$e.got"; then
      failures+=("$3: output")
      echo "FAIL: $3: the statement"
      sed 's/^/    /' "$tmp/blocks/$1.stmt.$k"
      echo "  printed:"
      sed 's/^/    /' "$e.got"
      echo "  the documentation says (-- =>):"
      sed 's/^/    /' "$e"
    fi
  done
}
# A run = the blocks of one page in one psql session (so SET search_path, temporary tables ... carry
# over, as for a reader typing them); a block that creates the extension starts a new run.
run_ids=()
run_ext=1
run_page=
flush_run() {
  ((${#run_ids[@]} > 0)) || return 0
  new_db "$run_ext"
  local sql=$tmp/run.$dbn.sql out=$tmp/run.$dbn.out err=$tmp/run.$dbn.err id file n opts where failed_at=
  : >"$sql"
  for id in "${run_ids[@]}"; do
    printf '\\echo @@BLOCK %s\n' "$id" >>"$sql"
    cat "$tmp/blocks/$id.sql" >>"$sql"
  done
  if ! psql -d "$db" -At -P null=NULL -f "$sql" >"$out" 2>"$err"; then
    failed_at=$(sed -n 's/^@@BLOCK //p' "$out" | tail -n 1)
    [[ -n $failed_at ]] || failed_at=${run_ids[0]}
  fi
  for id in "${run_ids[@]}"; do
    IFS=$'\t' read -r file n opts <"$tmp/blocks/$id.info"
    where="${file#"$repo"/}, sql block $n"
    if [[ $id == "$failed_at" ]]; then
      failures+=("$where: error")
      echo "FAIL: $where (database $db, session file $sql):"
      sed 's/^/    /' "$err"
      [[ $id == "${run_ids[-1]}" ]] || echo "    (the page's later blocks were not run)"
      break
    fi
    check_output "$id" "$out" "$where"
  done
  run_ids=()
}
for info in "$tmp"/blocks/*.info; do
  id=$(basename "$info" .info)
  IFS=$'\t' read -r file n opts <"$info"
  if [[ $opts == *skip* ]]; then
    nskipped=$((nskipped + 1))
    echo "skipped ${file#"$repo"/}, sql block $n (\`\`\`sql skip)"
    continue
  fi
  if grep -qiE 'create[[:space:]]+extension[[:space:]]+(if[[:space:]]+not[[:space:]]+exists[[:space:]]+)?retail_kpi' "$tmp/blocks/$id.sql"; then
    flush_run
    run_ext=0
    run_page=$file
  elif [[ $file != "$run_page" ]]; then
    flush_run
    run_ext=1
    run_page=$file
  fi
  run_ids+=("$id")
  nblocks=$((nblocks + 1))
done
flush_run

# ---- every function of the extension is documented
psql -d "$template" -c "CREATE EXTENSION retail_kpi"
# (name|internal: the function's comment starts with "internal:")
mapfile -t functions < <(psql -d "$template" -At <<'SQL'
SELECT p.proname, bool_and(coalesce(obj_description(p.oid, 'pg_proc'), '') LIKE 'internal:%')
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'retail_kpi'
WHERE p.proname !~ '(_in|_out|_recv|_send|_trans|_combine|_final)$' AND p.proname !~ '^_'
GROUP BY 1 ORDER BY 1;
SQL
)
# the SQL that was run (not the skipped blocks)
: >"$tmp/run_sql.txt"
for info in "$tmp"/blocks/*.info; do
  IFS=$'\t' read -r _ _ opts <"$info"
  [[ $opts == *skip* ]] || cat "${info%.info}.sql" >>"$tmp/run_sql.txt"
done
undocumented=()
no_example=()
for row in "${functions[@]}"; do
  fn=${row%|*}
  grep -qw -- "$fn" "$repo"/docs/*.md || undocumented+=("$fn")
  # an example: the name called somewhere in a block that runs (internal functions excepted)
  [[ ${row#*|} == t ]] || grep -qiE "(^|[^a-z0-9_])${fn}[[:space:]]*\(" "$tmp/run_sql.txt" || no_example+=("$fn")
done
if ((${#undocumented[@]} > 0)); then
  failures+=("undocumented functions")
  echo "FAIL: functions of the extension named in no docs/*.md page: ${undocumented[*]}"
fi
if ((${#no_example[@]} > 0)); then
  failures+=("functions without a run example")
  echo "FAIL: functions of the extension called in no sql block of docs/*.md or README.md: ${no_example[*]}"
fi

echo "$nblocks blocks run ($nskipped skipped), $nchecks expected outputs checked," \
     "${#functions[@]} functions checked for a docs page and a run example"
if ((${#failures[@]} > 0)); then
  printf 'failed: %s\n' "${failures[@]}"
  exit 1
fi
echo "ok: documentation examples"
