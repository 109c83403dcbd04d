#!/bin/bash
# seal_metadata.sh — what seal accepts as metadata (issue 14, "Sealing"): a
# blank case id is refused (--case, --meta case=, a case= line, and export
# --case); a metadata file must be UTF-8 (a BOM is skipped, UTF-16 and 8-bit
# encodings such as Windows-1256 are named and refused) and so must --case,
# --title and --meta values; --meta filename= keeps a neutral name; a
# testimony that export would refuse for every scope is warned about at seal
# time; and seal --json returns the receipt (sha256, size, checkpoint).
. "$(dirname "$0")/lib.sh"

make_vault v.db
printf 'Fictional statement by witness W-0042, for tests only.\n' >t.txt
scopes_ok='consent.scopes=internal,court'

# refused MESSAGE ARGS... — officer's seal into v.db exits 2, saying MESSAGE
refused() {
	local msg=$1
	shift
	am_pw 2 seal v.db --as officer.id "$@"
	expect_stderr_contains "$msg"
}

# ---- a blank case id --------------------------------------------------------
n=$(entry_count v.db)
refused "blank" --type document --case "" t.txt
refused "blank" --type document --case "   " t.txt
am_pw 2 seal v.db --as officer.id --type document --case $'\t' t.txt
refused "blank" --type document --case $'\xc2\xa0\xe3\x80\x80' t.txt
refused "blank" --type document --meta 'case= ' t.txt
# a later --case that is blank replaces an earlier good one: still refused
am_pw 2 seal v.db --as officer.id --type document --case C-1 --case " " t.txt
printf 'title=Fictional\ncase=\n' >blank.meta
refused "blank.meta: line 2: case is blank" --type document --meta-from blank.meta t.txt
printf '# a comment\n\ncase=   \r\n' >blank2.meta
refused "blank2.meta: line 3: case is blank" --type document --meta-from blank2.meta t.txt
expect_eq "entries after blank case ids" "$n" "$(entry_count v.db)"
# export --case "" is refused before anything is decrypted or recorded
am_pw 2 export v.db --as custodian.id --case "" --scope court --purpose "fictional" -o out
expect_stderr_contains "--case is blank"
am_pw 2 export v.db --as custodian.id --case "  " --scope court --purpose "fictional" -o out
expect_stderr_contains "--case is blank"
expect_eq "entries after a blank export --case" "$n" "$(entry_count v.db)"
expect_file_absent out

# ---- metadata files must be UTF-8 ------------------------------------------
# a Dari title saved as "ANSI" by Windows (Windows-1256): "شاهد گفت"
printf 'case=C-1\nlanguage=prs\ntitle=\xd4\xc7\xe5\xcf \x90\xdd\xca\n' >cp1256.meta
refused "cp1256.meta: line 3 is not UTF-8 (it looks like Windows-1256); save the file as UTF-8" \
	--type testimony --meta-from cp1256.meta t.txt
# Arabic: "شهادة مكتوبة" with a comment line before it
printf '# fictional\ncase=C-1\nplace=\xd4\xe5\xc7\xcf\xc9 \xe3\xdf\xca\xe6\xc8\xc9\n' >cp1256b.meta
refused "line 3 is not UTF-8 (it looks like Windows-1256)" \
	--type testimony --meta-from cp1256b.meta t.txt
# Western text in Windows-1252: "café"
printf 'case=C-1\nplace=caf\xe9 near the river\n' >cp1252.meta
refused "line 2 is not UTF-8 (it looks like Windows-1252)" \
	--type testimony --meta-from cp1252.meta t.txt
# UTF-16, with a byte order mark (LE and BE) and without one
if command -v iconv >/dev/null 2>&1; then
	printf 'case=C-1\ntitle=fictional\n' | iconv -f UTF-8 -t UTF-16LE >u16le.body
	printf 'case=C-1\ntitle=fictional\n' | iconv -f UTF-8 -t UTF-16BE >u16be.body
	{ printf '\xff\xfe'; cat u16le.body; } >u16le-bom.meta
	{ printf '\xfe\xff'; cat u16be.body; } >u16be-bom.meta
	for f in u16le-bom.meta u16be-bom.meta u16le.body u16be.body; do
		refused "$f: the file is UTF-16; save it as UTF-8" \
			--type testimony --meta-from "$f" t.txt
	done
fi
# a NUL byte in an otherwise UTF-8 file
printf 'case=C-1\ntitle=a\0b\n' >nul.meta
refused "nul.meta: line 2 holds a NUL byte" --type testimony --meta-from nul.meta t.txt
# a stray byte in UTF-8 text: not UTF-8, no encoding guessed
printf 'case=C-1\ntitle=Интервью \x9b شاهد\n' >stray.meta
refused "stray.meta: line 2 is not UTF-8; save the file as UTF-8" \
	--type testimony --meta-from stray.meta t.txt
expect_eq "entries after metadata files that are not UTF-8" "$n" "$(entry_count v.db)"
# argv: --case, --title and --meta values must be UTF-8 too
refused "--case is not UTF-8" --type testimony --case $'C-\xff' t.txt
refused "--title is not UTF-8" --type testimony --case C-1 --title $'\xd4\xc7\xe5\xcf' t.txt
refused "--meta place: the value is not UTF-8" \
	--type testimony --case C-1 --meta $'place=caf\xe9' t.txt
expect_eq "entries after arguments that are not UTF-8" "$n" "$(entry_count v.db)"
# a UTF-8 byte order mark is skipped; the text after it is kept as it is
printf '\xef\xbb\xbfcase=C-BOM\ntitle=شاهد گفت\n%s\n' "$scopes_ok" >bom.meta
seal_as officer v.db t.txt --meta-from bom.meta
am_pw 0 show v.db "$SEQ" --as custodian.id --purpose "fictional check" --json
expect_stdout_contains '"case":"C-BOM"'
expect_stdout_contains '"title":"شاهد گفت"'

# ---- a neutral file name ----------------------------------------------------
cp t.txt 'IMG 2024 (1).JPG'
seal_as officer v.db 'IMG 2024 (1).JPG' --meta filename=photo-01.jpg --meta "$scopes_ok"
am_pw 0 show v.db "$SEQ" --as custodian.id --purpose "fictional check" --json
expect_stdout_contains '"filename":"photo-01.jpg"'
expect_stdout_not_contains 'IMG'
printf 'case=C-1\nfilename=statement-07.txt\n%s\n' "$scopes_ok" >name.meta
seal_as officer v.db 'IMG 2024 (1).JPG' --meta-from name.meta
am_pw 0 show v.db "$SEQ" --as custodian.id --purpose "fictional check" --json
expect_stdout_contains '"filename":"statement-07.txt"'
expect_stdout_not_contains 'IMG'
# without one, the file's own name is recorded, as before
seal_as officer v.db 'IMG 2024 (1).JPG' --meta "$scopes_ok"
am_pw 0 show v.db "$SEQ" --as custodian.id --purpose "fictional check" --json
expect_stdout_contains '"filename":"IMG 2024 (1).JPG"'
# a file whose own name is not UTF-8 needs a name given
cp t.txt $'caf\xe9.txt'
refused "--meta filename=" --type document --case C-1 $'caf\xe9.txt'
seal_as officer v.db $'caf\xe9.txt' --type document --meta filename=cafe.txt

# ---- consent, as export will read it ----------------------------------------
# a testimony with no consent: sealed (exit 0), with a warning saying what
# export will do and how to fix it
n=$(entry_count v.db)
seal_as officer v.db t.txt
bare=$SEQ
expect_eq "entries after a testimony without consent" $((n + 1)) "$(entry_count v.db)"
expect_stderr_contains "amanat: warning: entry $bare is a testimony with no consent recorded: export will refuse this item for every scope until consent is recorded with a later entry: amanat seal v.db --ref $bare "
# a scope that does not exist: named, and said to be ignored; court still counts
seal_as officer v.db t.txt --meta consent.scopes=court,press
expect_stderr_contains "warning: entry $SEQ: 'press' in consent.scopes is not a consent scope"
expect_stderr_contains "export ignores it"
if grep -q "every scope" "$ERR"; then fail "court,press was warned about as covering no scope"; fi
pass
# only scopes that do not exist: both warnings
printf 'case=C-1\nconsent.scopes=press, tv\nconsent.obtained-by=officer\n' >press.meta
seal_as officer v.db t.txt --meta-from press.meta
expect_stderr_contains "'press' in consent.scopes"
expect_stderr_contains "'tv' in consent.scopes"
expect_stderr_contains "warning: entry $SEQ records no consent scope: export will refuse this item for every scope"
# consent that covers a scope, or a document without consent: no warning
seal_as officer v.db t.txt --meta "$scopes_ok"
if grep -q "warning" "$ERR"; then fail "a warning for consent that covers scopes: $(cat "$ERR")"; fi
pass
am_pw 0 seal v.db --as officer.id --type document --case C-1 t.txt
if grep -q "warning" "$ERR"; then fail "a warning for a document without consent: $(cat "$ERR")"; fi
pass
# the warning is right: export refuses the bare testimony, and the later
# entry it names makes it exportable
am_pw 2 export v.db --as custodian.id --entry "$bare" --scope court --purpose "fictional" -o b1
expect_stderr_contains "refused entry $bare: no consent is recorded"
am_pw 0 seal v.db --ref "$bare" --as officer.id --type document --case C-1 --meta consent.scopes=court - </dev/null
am_pw 0 export v.db --as custodian.id --entry "$bare" --scope court --purpose "fictional" -o b2
expect_stdout_contains "b2"

# ---- seal --json: the receipt -----------------------------------------------
head -c 300000 /dev/urandom >r.bin
am_pw 0 seal v.db --as officer.id --type media --case C-1 --json r.bin
expect_eq "json lines" 1 "$(wc -l <"$OUT")"
rseq=$(json_num seq)
expect_stdout_matches '^\{"seq":[0-9]+,"type":"media","sha256":"[0-9a-f]{64}","size":300000,"checkpoint":\{"size":[0-9]+,"root":"[0-9a-f]{64}","origin":"amanat/[0-9a-f]+","note":"amanat/[0-9a-f]+\\n[0-9]+\\n[A-Za-z0-9+/=]+\\n\\n.*\}\}$'
expect_eq "sha256 in the receipt" "$(sha256sum r.bin | cut -d' ' -f1)" "$(json_str sha256)"
expect_eq "checkpoint size in the receipt" "$((rseq + 1))" \
	"$(grep -oE '"checkpoint":\{"size":[0-9]+' "$OUT" | grep -oE '[0-9]+$')"
root=$(grep -oE '"root":"[0-9a-f]{64}"' "$OUT" | cut -d'"' -f4)
expect_stdout_contains "\\n$((rseq + 1))\\n"
# the same tree as verify recomputes, and the same sha256 the custodian sees
am 0 verify v.db --json
expect_eq "root of the receipt and of verify" "$(json_str root)" "$root"
am_pw 0 show v.db "$rseq" --as custodian.id --purpose "fictional check" --json
expect_stdout_contains "\"sha256\":\"$(sha256sum r.bin | cut -d' ' -f1)\""
# from standard input too
am_pw 0 seal v.db --as officer.id --type document --case C-1 --json - <t.txt
expect_stdout_contains "\"sha256\":\"$(sha256sum t.txt | cut -d' ' -f1)\""
expect_stdout_contains "\"size\":$(stat -c %s t.txt),"
verify_ok v.db

finish
