#!/usr/bin/env bash
# Debian packages jixiao needs: Tesseract with Chinese data, CJK fonts (fixtures and reports),
# poppler, Chromium (the review app's browser tests drive it headless), LibreOffice Calc and Writer
# (office files: .doc/.xls/.et/.wps/.ods/.odt are converted headless; fixtures print office PDFs),
# and a Python able to make a venv.
# Installs only what is missing; uses sudo when not root.
set -euo pipefail

packages=(
  tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng
  fonts-wqy-microhei fonts-wqy-zenhei fonts-arphic-uming fonts-arphic-ukai fonts-noto-cjk
  poppler-utils
  chromium
  libreoffice-calc libreoffice-writer
)
if ! python3 -m venv --help >/dev/null 2>&1; then
  packages+=(python3-venv python3-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
