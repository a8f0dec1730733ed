#!/usr/bin/env bash
# Wraps the one-folder desktop app (packaging/build.sh) as a Debian package (see docs/packaging.md).
#
#   packaging/build-deb.sh            dist/medspa-desk/ → dist/medspa-desk_<version>_<arch>.deb
#   DIST_DIR=/tmp/dist BUILD_DIR=/tmp/stage packaging/build-deb.sh   (APP_DIR: another bundle folder)
#
# What it installs, and nothing else:
#   /opt/medspa-desk/                                 the PyInstaller folder, read-only at run time
#   /usr/bin/medspa-desk                              a two-line launcher
#   /usr/share/applications/medspa-desk.desktop       the menu entry (Office, Calendar)
#   /usr/share/icons/hicolor/scalable/apps/medspa-desk.svg
#   /usr/share/doc/medspa-desk/README.Debian          where the user's data is, and how to purge it
# No maintainer scripts: the menu and icon caches are refreshed by the dpkg triggers of
# desktop-file-utils and hicolor-icon-theme, and the user's data folder is never the package's.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIST_DIR=${DIST_DIR:-$ROOT/dist}
APP_DIR=${APP_DIR:-$DIST_DIR/medspa-desk}
PYTHON=${PYTHON:-python3}
PACKAGE=medspa-desk
# Libraries the bundle links to but does not carry (readelf over the bundle, mapped with dpkg -S),
# fontconfig's configuration for the bundled libfontconfig, and the fonts the PDFs use.
DEPENDS='libc6 (>= 2.36), libegl1, libgl1, libdrm2, libxcb1, libwayland-client0, libwayland-cursor0, libwayland-egl1, fontconfig-config, fonts-dejavu-core'

if [ ! -x "$APP_DIR/medspa-desk" ]; then
    echo "No bundle at $APP_DIR: run 'make package' first." >&2
    exit 1
fi
VERSION=$("$PYTHON" -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' \
          "$ROOT/pyproject.toml")
ARCH=$(dpkg --print-architecture)
STAGE=${BUILD_DIR:-$ROOT/build/deb}/${PACKAGE}_${VERSION}_$ARCH
DEB=$DIST_DIR/${PACKAGE}_${VERSION}_$ARCH.deb

rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
         "$STAGE/usr/share/icons/hicolor/scalable/apps" "$STAGE/usr/share/doc/$PACKAGE"
cp -a "$APP_DIR" "$STAGE/opt/$PACKAGE"

cat > "$STAGE/usr/bin/$PACKAGE" <<'EOF'
#!/bin/sh
# Medspa Desk is installed in /opt/medspa-desk; its data is in ~/.local/share/MedspaDesk.
exec /opt/medspa-desk/medspa-desk "$@"
EOF
chmod 755 "$STAGE/usr/bin/$PACKAGE"
install -m 644 "$ROOT/packaging/medspa-desk.desktop" "$STAGE/usr/share/applications/"
install -m 644 "$ROOT/packaging/medspa-desk.svg" "$STAGE/usr/share/icons/hicolor/scalable/apps/"
install -m 644 "$ROOT/packaging/README.Debian" "$STAGE/usr/share/doc/$PACKAGE/"
desktop-file-validate "$STAGE/usr/share/applications/medspa-desk.desktop"
# Root-owned and read-only for everyone else, whatever the build machine's umask was.
chmod -R u+rwX,go-w,go+rX "$STAGE"

cat > "$STAGE/DEBIAN/control" <<EOF
Package: $PACKAGE
Version: $VERSION
Architecture: $ARCH
Maintainer: Medspa Desk <desk@medspadesk.invalid>
Installed-Size: $(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
Depends: $DEPENDS
Recommends: gnome-keyring
Section: misc
Priority: optional
Homepage: https://medspadesk.invalid
Description: front desk app for medical spas
 Book, check in and chart clients, with an encrypted offline copy of the
 practice kept on this computer and synced with the practice's server.
 .
 Removing the package leaves each user's encrypted data folder
 (~/.local/share/MedspaDesk); see /usr/share/doc/medspa-desk/README.Debian.
EOF

mkdir -p "$DIST_DIR"
# zstd: a fraction of xz's time on a 290 MB folder; dpkg reads it since Debian 12.
dpkg-deb --root-owner-group -Zzstd -z9 --build "$STAGE" "$DEB" > /dev/null
rm -rf "$STAGE"  # a second copy of the bundle
echo "Built $DEB ($(du -sh "$DEB" | cut -f1))"
