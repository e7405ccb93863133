#!/usr/bin/env bash
# The market calendar from the command line (issue 15): holidays added, merged, imported from
# a CSV as NSE publishes it and removed; special sessions and templates; bad input named and
# nothing changed; a year without holidays warned of by `holidays list --year` and by the node
# at start, and acknowledged; changes refused while a node holds the database.
set -u
. "$(dirname "$(realpath "$0")")/cli_checks.sh"
node=$(realpath "${1:?usage: calendar_cli.sh ALGOMIRROR_NODE}")
work=$(mktemp -d)
node_pid=""
cleanup() {
  [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 2
db="sqlite:$work/node.db"
holidays() { # the holiday rows of the database for a year
  python3 -c "import sqlite3; print(sqlite3.connect('$work/node.db').execute(\"SELECT COUNT(*) FROM market_holidays WHERE date LIKE '$1-%'\").fetchone()[0])"
}

export ALGOMIRROR_PASSWORD='Tr4ding#Desk'
run 0 user add --username admin --email admin@example.in
run 0 calendar holidays list --year 2026 && said "2026-01-26  NSE,BSE  Republic Day"
run 0 calendar holidays list --year 2027 && said "no holidays in 2027" \
  && said "warning: no NSE holidays known for 2027" && said "calendar acknowledge 2027"

# One by one: added, then merged into the same date; bad input names the field.
run 0 calendar holidays add 26-Jan-2027 "Republic Day" --market NSE && said "added holiday 2027-01-26"
run 0 calendar holidays add 2027-01-26 "Republic Day" --market BSE && said "merged into holiday 2027-01-26"
run 2 calendar holidays add 2027-02-30 "No such day" && said "DATE: '2027-02-30' is not a date"
run 2 calendar holidays add 2027-03-01 "Somewhere" --market NYSE && said "--market: 'NYSE'"
[ "$(holidays 2027)" = 1 ] && pass || fail "2027 should hold one holiday, has $(holidays 2027)"

# A list as NSE publishes it: a header, quoted descriptions, markets per line.
cat >holidays-2027.csv <<'CSV'
Date,Description,Market
26-Jan-2027,Republic Day,NSE
"22-Mar-2027","Holi, second day",NSE;BSE
14-Apr-2027,Dr. Baba Saheb Ambedkar Jayanti,
CSV
cp holidays-2027.csv broken.csv
echo "31-Apr-2027,No such day,NSE" >>broken.csv
run 2 calendar holidays import broken.csv && said "line 5" && said "nothing imported"
[ "$(holidays 2027)" = 1 ] && pass || fail "a broken import changed the table"
run 2 calendar holidays import no-such-file.csv && said "FILE: cannot read"
run 0 calendar holidays import holidays-2027.csv && said "imported 3 holiday(s) of 2027: 2 new, 0 merged, 1 already listed"
[ "$(holidays 2027)" = 3 ] && pass || fail "2027 should hold three holidays, has $(holidays 2027)"
run 0 calendar holidays list --year 2027 && said "2027-03-22  NSE,BSE  Holi, second day" \
  && said "2027-04-14  NSE,BSE  Dr. Baba Saheb Ambedkar Jayanti"
if grep -q "warning" "out-$n.txt"; then fail "2027 has holidays now, yet warned"; else pass; fi
run 0 calendar holidays remove 2027-04-14 --market BSE && said "now of NSE only"
run 0 calendar holidays remove 2027-04-14 && said "removed holiday 2027-04-14"
run 2 calendar holidays remove 2027-04-14 && said "no holiday on 2027-04-14"

# Special sessions and templates.
run 0 calendar sessions add 2027-10-29 --open 18:00 --close 19:15 --name Muhurat && said "added special session 2027-10-29 NSE 18:00"
run 2 calendar sessions add 2027-10-29 --open 18:00 --close 17:00 && said "must close after it opens"
run 2 calendar sessions add 2027-10-29 --open 6pm --close 19:00 && said "--open: '6pm' is not a time of day"
run 0 calendar sessions list --year 2027 && said "2027-10-29  NSE  18:00-19:15  Muhurat"
run 0 calendar sessions remove 2027-10-29 && said "removed special session"
run 0 calendar templates set equity --open 09:15 --close 15:30 --pre-open 09:00-09:08 && said "set template equity"
run 2 calendar templates set equity --open 09:15 --close 15:30 --weekdays 1,2,9 && said "--weekdays: 9 is not a day"
run 0 calendar templates list && said "equity  NSE  09:15-15:30  pre-open 09:00-09:08  days 1,2,3,4,5"

# A year with no list: acknowledged.
run 0 calendar acknowledge 2028 && said "acknowledged NSE 2028"
run 0 calendar acknowledge 2028 && said "already"
run 2 calendar acknowledge 1999 && said "YEAR: 1999"
run 0 calendar holidays list --year 2028 && said "acknowledged without a list: NSE 2028" \
  && said "the year is acknowledged, so scheduled entries still run" \
  && said "no BSE holidays known for 2028"
actions=$(python3 -c "import sqlite3; print(sqlite3.connect('$work/node.db').execute(\"SELECT COUNT(*) FROM activity_logs WHERE source = 'cli' AND action IN ('holiday_added','holidays_imported','holiday_removed','special_session_added','special_session_removed','trading_hours_set','calendar_year_acknowledged')\").fetchone()[0])")
[ "$actions" = 9 ] && pass || fail "9 calendar changes should be in activity_logs, found $actions"

# The node warns at start of a year without holidays; changes are refused while it runs.
mkfifo node.fifo
"$node" --db "$db" --log-file node.log --clock-start 2029-01-10T10:00:00+05:30 \
  >node-out.txt 2>node.fifo &
node_pid=$!
exec 4<node.fifo
warned=0
while IFS= read -r -t 30 line <&4; do
  echo "$line" >>node-err.txt
  [[ $line == *"no NSE holidays known for 2029"* ]] && warned=1
  [[ $line == *"node: running on"* ]] && break
done
cat <&4 >>node-err.txt &
drain=$!
exec 4<&-
if [ $warned -eq 1 ]; then pass; else fail "the node gave no warning of 2029 at start"; cat node-err.txt; fi
run 1 calendar acknowledge 2029 && said "a node is running on this database"
run 0 calendar holidays list --year 2029
kill -TERM "$node_pid"; wait "$node_pid"; rc=$?; node_pid=""
wait "$drain" 2>/dev/null
[ "$rc" -eq 0 ] && pass || fail "node exit code $rc"

echo "calendar_cli: $passes passed, $failures failed"
[ "$failures" -eq 0 ]
