#!/bin/bash
# usage: run.sh zh|en OUTDIR
L=$1; OUT=$(realpath -m "$2")
rm -rf "$OUT" && mkdir -p "$OUT"
W=/tmp/guide-$L; rm -rf "$W"; mkdir -p "$W"; cd "$W"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export PATH="$ROOT/target/debug:$PATH"
export JUECE_NOW=2023-06-30T10:00:00+08:00
unset JUECE_DB JUECE_USER
if [ "$L" = en ]; then export JUECE_LANG=en; else unset JUECE_LANG; fi
CUR=
blk() { CUR="$OUT/$1.txt"; : > "$CUR"; }
c() {  # c EXPECTED_EXIT 'command string'
  local want=$1; shift; local cmd="$*"
  [ -s "$CUR" ] && echo >> "$CUR"
  echo "\$ $cmd" >> "$CUR"
  # Each entry is made when it happens (`--at`): the walk-through's clock follows it, so that
  # nothing reads as documented after the fact (BACKFILLED) unless the story says so.
  local saved_now=$JUECE_NOW
  if [ -z "$KEEP_NOW" ] && [[ "$cmd" =~ --at\ ([0-9][0-9T:+-]+) ]]; then export JUECE_NOW="${BASH_REMATCH[1]}"; fi
  eval "$cmd" >> "$CUR" 2>&1; local rc=$?
  export JUECE_NOW=$saved_now
  if [[ "$cmd" == *'echo "exit=$?"'* ]]; then rc_real=$(tail -1 "$CUR" | sed 's/exit=//'); else rc_real=$rc; fi
  if [ "$rc_real" != "$want" ]; then echo "UNEXPECTED exit $rc_real (want $want): $cmd" >&2; fi
}
REF='XX县政府〔2023〕重大决策12号'
REF2='XX县政府〔2023〕重大决策15号'

blk demo
c 0 'juece demo'

blk users
c 0 'juece user add 王敏 --role legal_office'
c 0 'juece user add 李强 --role undertaking_unit'
c 0 'juece user add 陈律师 --role public_lawyer'
c 0 'juece user add 周秘书 --role secretary'
c 0 'juece user add 赵县长 --role head'
c 0 'juece user list'

blk open
c 0 'juece case open "$REF" --title "县城集中供热价格调整方案" --organ "XX县人民政府" \
    --unit "县发展和改革局" --category public_policy --workflow decree-713 \
    --technical --stability-risk --as 王敏 --at 2023-03-01T09:00:00+08:00'

blk early_sign
c 3 'juece review sign "$REF" --conclusion lawful --opinion "同意" \
    --as 陈律师 --at 2023-03-02T09:00:00+08:00; echo "exit=$?"'

printf '县城集中供热价格调整方案（征求意见稿）\n一、居民用户供热价格由每平方米建筑面积22元调整为24元。\n二、对城乡低保户、特困供养人员给予供热补贴。\n' > draft-v1.txt
blk draft
c 0 'cat draft-v1.txt'
c 0 'juece draft add "$REF" --file draft-v1.txt --as 李强 --at 2023-03-03T10:00:00+08:00'

blk participation1
c 0 'juece evidence participation "$REF" --method public_comment --method symposium \
    --from 2023-03-06 --to 2023-03-25 --received 38 --adopted 9 \
    --as 李强 --at 2023-03-27T17:00:00+08:00'

blk experts_risk
c 0 'juece evidence experts "$REF" --expert "赵工" --expert "钱教授" --expert "孙研究员" \
    --as 李强 --at 2023-03-28T17:00:00+08:00'
c 0 'juece evidence risk "$REF" --level medium --controllable yes \
    --measures "分档调价，对低保户给予补贴，设立价格投诉专线" --as 李强 --at 2023-03-29T17:00:00+08:00'

blk submit_refused
c 3 'juece review submit "$REF" --as 李强 --at 2023-03-30T09:00:00+08:00; echo "exit=$?"'

blk participation2
c 0 'juece evidence participation "$REF" --method public_comment --method symposium \
    --from 2023-03-06 --to 2023-03-25 --received 38 --adopted 9 \
    --shortened-reason "须在本采暖季结束前完成价格调整，依法缩短征求意见期限" \
    --as 李强 --at 2023-03-30T10:00:00+08:00'
c 0 'juece review submit "$REF" --as 李强 --at 2023-03-30T15:00:00+08:00'

blk sign
c 3 'juece review sign "$REF" --conclusion lawful --opinion "同意" \
    --as 李强 --at 2023-04-04T09:00:00+08:00; echo "exit=$?"'
c 0 'juece review sign "$REF" \
    --conclusion lawful --opinion "草案符合法律法规规定，程序完备，同意提请县政府常务会议讨论" \
    --as 陈律师 --at 2023-04-04T16:00:00+08:00'

blk show_mid
c 0 'juece case show "$REF"'

blk meeting
c 3 'juece decide "$REF" --kind executive --members 9 --present 8 \
    --majority approve --as 周秘书 --at 2023-04-11T11:00:00+08:00; echo "exit=$?"'
c 0 'juece decide "$REF" --kind executive --members 9 --present 8 \
    --majority approve --as 周秘书 --at 2023-04-12T11:00:00+08:00'

blk finish
c 0 'juece party-report "$REF" --as 王敏 --at 2023-04-14T09:00:00+08:00'
c 0 'juece publish "$REF" --channel "XX县人民政府门户网站" --as 王敏 --at 2023-04-20T09:00:00+08:00'
c 0 'juece archive "$REF" --as 王敏 --at 2023-05-10T09:00:00+08:00'

blk audit
c 0 'juece audit'
blk list
c 0 'juece case list'
blk due
c 0 'juece due'

blk override
c 0 'juece case open "$REF2" --title "县城区公共停车收费标准调整方案" --organ "XX县人民政府" \
    --unit "县发展和改革局" --category public_policy \
    --as 王敏 --at 2023-05-04T09:00:00+08:00'
printf '县城区公共停车收费标准调整方案（送审稿）\n' > parking-v1.txt
c 0 'juece draft add "$REF2" --file parking-v1.txt --as 李强 --at 2023-05-05T10:00:00+08:00'
c 0 'juece evidence participation "$REF2" --method public_comment \
    --from 2023-05-08 --to 2023-06-06 --received 21 --adopted 4 \
    --as 李强 --at 2023-06-07T17:00:00+08:00'
c 0 'juece review submit "$REF2" --as 李强 --at 2023-06-08T09:00:00+08:00'
c 0 'juece review sign "$REF2" --conclusion lawful --opinion "同意提请常务会议讨论" \
    --as 陈律师 --at 2023-06-12T16:00:00+08:00'

blk override_refused
c 3 'juece decide "$REF2" --kind executive --members 9 --present 7 \
    --majority approve --as 周秘书 --at 2023-06-14T11:00:00+08:00; echo "exit=$?"'
blk override_done
c 0 'juece decide "$REF2" --kind executive --members 9 --present 7 \
    --majority approve --as 赵县长 --at 2023-06-14T11:00:00+08:00 \
    --override "汛期前须完成城区停车秩序整治，经县政府主要负责人决定提前上会"'
blk override_audit
c 1 'juece audit --only-findings; echo "exit=$?"'
c 0 'juece case list --overridden'

cat > party-report.json <<'EOF'
{
  "type": "party_report",
  "at": "2023-06-16T09:00:00+08:00"
}
EOF
cat > published.json <<'EOF'
{
  "type": "published",
  "at": "2023-06-20T09:00:00+08:00",
  "chanel": "XX县人民政府门户网站"
}
EOF
blk record
c 0 'cat party-report.json'
export JUECE_NOW=2023-06-16T10:00:00+08:00   # entered the day it happened
c 0 'juece record "$REF2" party-report.json --as 王敏'
export JUECE_NOW=2023-06-20T10:00:00+08:00
c 0 'cat published.json'
c 2 'juece record "$REF2" published.json --as 王敏; echo "exit=$?"'
sed -i 's/"chanel"/"channel"/' published.json
c 0 'juece record "$REF2" published.json --as 王敏'
cat > requests.jsonl <<'EOF2'
{"ref": "XX县政府〔2023〕重大决策15号", "as": "王敏", "at": "2023-06-21T09:00:00+08:00", "event": {"type": "archived"}}
{"ref": "XX县政府〔2023〕重大决策12号", "as": "李强", "at": "2023-06-21T09:30:00+08:00", "event": {"type": "archived"}}
EOF2
blk batch
export JUECE_NOW=2023-06-21T10:00:00+08:00
c 0 'cat requests.jsonl'
c 3 'juece record-batch requests.jsonl; echo "exit=$?"'
export JUECE_NOW=2023-06-30T10:00:00+08:00

# The decision catalogue and the annual report, on the shipped examples, in a database of their own.
mkdir -p "$W/report" && cd "$W/report"
export JUECE_NOW=2024-01-31T10:00:00+08:00
cp "$ROOT/workflows/examples/cases.json" "$ROOT/workflows/examples/catalogue.json" .
blk catalogue
c 0 'juece import cases.json'
c 0 'juece catalogue import catalogue.json'
c 0 'juece catalogue list'
c 0 'juece catalogue show XX县人民政府 2023'
blk catalogue_audit
c 0 'juece audit --as-of 2023-12-31 | tail -n 9'
blk report
c 0 'juece report --year 2023'
blk report_files
c 0 'juece report --year 2023 --format html > report-2023.html'
c 0 'juece report --year 2023 --organ XX县人民政府 --format json > XX县-2023.json'
c 0 'head -n 12 XX县-2023.json'
c 0 'juece report --year 2022 --organ XX县人民政府 --format json > XX县-2022.json'
c 2 'juece report merge XX县-2023.json XX县-2022.json; echo "exit=$?"'

# Year end: the clock in late December 2026, a local-strict case approved before Christmas whose
# publication deadline runs into 2027, for which no notice is loaded yet.
mkdir -p "$W/yearend" && cd "$W/yearend"
export JUECE_NOW=2026-12-20T10:00:00+08:00
c0() { "$@" >/dev/null 2>&1; }
c0 juece user add 王敏 --role legal_office
c0 juece user add 李强 --role undertaking_unit
c0 juece user add 陈律师 --role public_lawyer
c0 juece user add 周秘书 --role secretary
YREF='XX县政府〔2026〕重大决策8号'
printf '县城停车收费标准调整方案（草案）\n' > d.txt
JUECE_NOW=2026-09-01T09:00:00+08:00 c0 juece case open "$YREF" --title "县城停车收费标准调整方案" --organ "XX县人民政府" --unit "县发展和改革局" --category public_policy --workflow local-strict --as 王敏
JUECE_NOW=2026-09-02T09:00:00+08:00 c0 juece draft add "$YREF" --file d.txt --as 李强
JUECE_NOW=2026-10-20T09:00:00+08:00 c0 juece evidence participation "$YREF" --method public_comment --from 2026-09-10 --to 2026-10-15 --as 李强
JUECE_NOW=2026-10-21T09:00:00+08:00 c0 juece evidence experts "$YREF" --expert 赵工 --expert 钱教授 --expert 孙研究员 --as 李强
JUECE_NOW=2026-10-22T09:00:00+08:00 c0 juece evidence risk "$YREF" --level low --controllable yes --as 李强
JUECE_NOW=2026-11-02T09:00:00+08:00 c0 juece review submit "$YREF" --as 李强
JUECE_NOW=2026-11-10T09:00:00+08:00 c0 juece review sign "$YREF" --conclusion lawful --as 陈律师
JUECE_NOW=2026-12-18T11:00:00+08:00 c0 juece decide "$YREF" --kind executive --members 9 --present 8 --majority approve --as 周秘书
blk yearend_before
c 0 'juece calendar list'
c 0 'juece due --within 60'
# An illustration of the file's shape only: the real notice comes from the State Council (or the
# holiday-cn data set) and has more days, adjusted working weekends among them.
cat > 2027.json <<'EOF3'
{"year": 2027, "papers": ["（格式示例 / format example）"], "days": [
  {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
  {"name": "元旦", "date": "2027-01-02", "isOffDay": true},
  {"name": "元旦", "date": "2027-01-03", "isOffDay": true}]}
EOF3
blk yearend_load
c 0 'juece calendar add 2027.json'
c 0 'juece calendar list'
c 0 'juece due --within 60'

# Corrections and late entries (procedure v2): an entry made by mistake is voided, never
# deleted; an entry made days after the fact is flagged BACKFILLED.
mkdir -p "$W/corrections" && cd "$W/corrections"
c0 juece user add 王敏 --role legal_office
c0 juece user add 李强 --role undertaking_unit
c0 juece user add 刘芳 --role undertaking_unit
CREF='XX县政府〔2026〕重大决策9号'
printf '县域养老服务设施布局规划（草案）\n' > plan.txt
JUECE_NOW=2026-10-08T09:00:00+08:00 c0 juece case open "$CREF" --title "县域养老服务设施布局规划" --organ "XX县人民政府" --unit "县民政局" --category plan --technical --as 王敏
JUECE_NOW=2026-10-09T09:00:00+08:00 c0 juece draft add "$CREF" --file plan.txt --as 李强
blk void
c 0 'juece evidence experts "$CREF" --expert 赵工 --expert 钱工 --as 李强 --at 2026-10-12T09:00:00+08:00'
c 3 'juece case void "$CREF" --reason "专家名单录错" --as 刘芳 --at 2026-10-12T10:00:00+08:00; echo "exit=$?"'
c 0 'juece case void "$CREF" --reason "专家名单录错" --as 李强 --at 2026-10-12T10:00:00+08:00'
c 0 'juece evidence experts "$CREF" --expert 赵工 --expert 钱教授 --expert 孙研究员 --as 李强 --at 2026-10-12T11:00:00+08:00'
blk backfill
# Entered on 2 November for an assessment of 20 October: the clock is the day of entry.
export JUECE_NOW=2026-11-02T10:00:00+08:00 KEEP_NOW=1
c 0 'juece evidence risk "$CREF" --level low --controllable yes --as 李强 --at 2026-10-20T09:00:00+08:00'
c 0 'juece case show "$CREF" --format json | python3 -c "import json,sys; [print(f[\"code\"], f[\"message\"]) for f in json.load(sys.stdin)[\"findings\"]]"'
unset KEEP_NOW
