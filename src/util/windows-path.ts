// Windows image paths as Sysmon writes them, in one spelling: the smss rules compare them with
// where smss.exe belongs, the index sorts exits by the folder they come from.

/** Lower-cased absolute path with \??\, \\?\, \SystemRoot\, %SystemRoot% and volume device prefixes resolved. */
export function normaliseWindowsPath(path: string, systemRoot: string): { path: string; volumeRelative: boolean } {
  let s = path.trim().toLowerCase().replace(/\//g, '\\');
  const root = systemRoot.toLowerCase().replace(/\\+$/, '');
  if (s.startsWith('\\??\\') || s.startsWith('\\\\?\\')) s = s.slice(4);
  if (s.startsWith('\\systemroot\\')) s = root + s.slice('\\systemroot'.length);
  else if (s.startsWith('%%systemroot%%')) s = root + s.slice('%%systemroot%%'.length);
  else if (s.startsWith('%systemroot%')) s = root + s.slice('%systemroot%'.length);
  else if (s.startsWith('\\device\\harddiskvolume')) {
    const cut = s.indexOf('\\', '\\device\\harddiskvolume'.length);
    return { path: cut === -1 ? s : s.slice(cut), volumeRelative: true };
  }
  return { path: s, volumeRelative: false };
}
