#!/usr/bin/env bash
# render-report.sh converts a mine workbook to PDF and to one PNG per page,
# so anyone can look at what the report shows without a spreadsheet
# program:
#
#   scripts/render-report.sh report.xlsx [OUTDIR]
#
# It writes OUTDIR/report.pdf and OUTDIR/report-1.png, report-2.png ...
# (pdftoppm pads the page numbers: report-01.png when there are ten or more)
# (OUTDIR defaults to the workbook's directory). It uses LibreOffice
# headless, pdftoppm (poppler-utils) and the Carlito font (Calibri's
# metrics); when one is missing it installs it with apt-get (with sudo when
# not root), unless MINE_RENDER_NO_INSTALL=1.
# PNG resolution: MINE_RENDER_DPI (default 110).
set -euo pipefail

usage() { echo "usage: $0 WORKBOOK.xlsx [OUTDIR]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
book=$1
[ -f "$book" ] || { echo "$0: no such workbook: $book" >&2; exit 2; }
outdir=${2:-$(dirname -- "$book")}
mkdir -p -- "$outdir"
dpi=${MINE_RENDER_DPI:-110}

soffice_bin() { command -v soffice || command -v libreoffice || true; }

install_pkgs() {
	if [ "${MINE_RENDER_NO_INSTALL:-}" = 1 ]; then
		echo "$0: missing $*; install it (MINE_RENDER_NO_INSTALL=1 is set)" >&2
		exit 1
	fi
	command -v apt-get >/dev/null || { echo "$0: missing $* and no apt-get to install it" >&2; exit 1; }
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	echo "$0: installing $* with apt-get" >&2
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >&2
}

need=()
[ -n "$(soffice_bin)" ] || need+=(libreoffice-calc)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
[ ${#need[@]} -eq 0 ] || install_pkgs "${need[@]}"
# Carlito has Calibri's metrics, the workbook's font: without it text runs
# wider than in Excel and the pages differ from what users see. Optional.
if command -v fc-list >/dev/null && ! fc-list | grep -qi carlito; then
	if [ "${MINE_RENDER_NO_INSTALL:-}" = 1 ]; then
		echo "$0: the Carlito font (fonts-crosextra-carlito) is missing: text will be wider than in Excel" >&2
	else
		install_pkgs fonts-crosextra-carlito
	fi
fi

soffice=$(soffice_bin)
name=$(basename -- "$book")
name=${name%.*}
# A private profile: a user's running LibreOffice, or a stale lock, must not
# block the conversion.
profile=$(mktemp -d)
trap 'rm -rf -- "$profile"' EXIT
"$soffice" -env:UserInstallation="file://$profile" --headless --norestore \
	--convert-to pdf --outdir "$outdir" "$book" >&2
pdf=$outdir/$name.pdf
[ -s "$pdf" ] || { echo "$0: LibreOffice wrote no PDF for $book" >&2; exit 1; }
pdftoppm -png -r "$dpi" "$pdf" "$outdir/$name"
echo "$pdf"
ls -1 "$outdir/$name"-*.png
