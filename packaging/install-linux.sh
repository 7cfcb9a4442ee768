#!/usr/bin/env bash
# Install the built bundle for the current user: the app in ~/.local/opt/explorer, `explorer` and
# `explorer-cli` in ~/.local/bin, the icon in the hicolor theme, and a menu entry.
#   packaging/install-linux.sh [BUNDLE]     (BUNDLE defaults to dist/explorer)
#   packaging/install-linux.sh --uninstall
# Honours XDG_DATA_HOME; PREFIX (default ~/.local) moves opt/ and bin/.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
prefix=${PREFIX:-$HOME/.local}
data=${XDG_DATA_HOME:-$HOME/.local/share}
app_dir=$prefix/opt/explorer
bin_dir=$prefix/bin
sizes="16 24 32 48 64 128 256 512"

if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$app_dir"
  rm -f "$bin_dir/explorer" "$bin_dir/explorer-cli" "$data/applications/explorer.desktop"
  for size in $sizes; do rm -f "$data/icons/hicolor/${size}x${size}/apps/explorer.png"; done
  echo "explorer removed"
  exit 0
fi

bundle=${1:-$root/dist/explorer}
if [ ! -x "$bundle/explorer" ]; then
  echo "No built app in $bundle: run 'make package' first." >&2
  exit 1
fi

mkdir -p "$prefix/opt" "$bin_dir" "$data/applications"
rm -rf "$app_dir.new"
cp -a "$bundle" "$app_dir.new"
rm -rf "$app_dir"
mv "$app_dir.new" "$app_dir"
ln -sf "$app_dir/explorer" "$bin_dir/explorer"
ln -sf "$app_dir/explorer-cli" "$bin_dir/explorer-cli"
for size in $sizes; do
  install -D -m 644 "$root/resources/icons/png/explorer-$size.png" \
    "$data/icons/hicolor/${size}x${size}/apps/explorer.png"
done
# The menu entry runs the installed executable by its full path (~/.local/bin may not be on PATH).
sed -e "s|^Exec=explorer|Exec=$app_dir/explorer|" -e "s|^TryExec=explorer|TryExec=$app_dir/explorer|" \
  "$root/resources/explorer.desktop" > "$data/applications/explorer.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$data/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
echo "explorer installed in $app_dir; start it from the menu or with $bin_dir/explorer"
