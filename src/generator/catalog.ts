// What a Windows fleet runs: images with their version resources and hashes, the command
// lines they are started with, the DLLs they load, and the registry, file, DNS and network
// targets of ordinary activity. Shapes follow ../shared/samples/real/ (the full boot in
// privesc_unquoted_svc_sysmon_1_11, the OTRF workstation excerpt). All text is converted to
// XML-escaped UTF-8 byte strings here, once.

import { enc } from './bytes.js';
import { Prng, hash32 } from './prng.js';
import { xmlText } from './text.js';

const MS = 'Microsoft Corporation';
const WINDOWS = 'Microsoft® Windows® Operating System';

/** An executable image with the version resource Sysmon reports for it. */
export interface ImageSpec {
  /** Short key, e.g. 'svchost'. */
  key: string;
  /** XML-ready image path, and encoded. */
  image: string;
  imageBytes: Uint8Array;
  /** XML-ready command lines; one is picked per process. */
  cmdlines: string[];
  /** The same, encoded. */
  cmdlineBytes: Uint8Array[];
  /** Indexes into DLLS loaded at start. */
  dlls: number[];
  /** Rough lifetime in seconds (mean of an exponential); Infinity for services that stay up. */
  lifetimeSecs: number;
  /**
   * EventID 1's pieces around the command line, encoded with their tags so that each is one copy:
   * FileVersion..OriginalFileName then the CommandLine opening tag; CurrentDirectory; Hashes.
   */
  versionCmdOpen: Uint8Array;
  cwdData: Uint8Array;
  hashesData: Uint8Array;
  /** The version resource and working folder as plain text, for a Sysmon configuration's conditions (sysmon-filter.ts). */
  text: { readonly description: string; readonly product: string; readonly company: string; readonly original: string; readonly version: string; readonly cwd: string };
}

interface ImageDef {
  key: string;
  path: string;
  version?: string;
  description: string;
  product?: string;
  company?: string;
  original: string;
  cwd?: string;
  cmdlines: string[];
  dlls?: string[];
  lifetimeSecs?: number;
}

const WINVER = '10.0.19041.1 (WinBuild.160101.0800)';

function fakeHashes(seedText: string): string {
  const r = new Prng(hash32(seedText));
  const hex = (n: number): string => {
    let s = '';
    for (let i = 0; i < n; i += 8) s += r.u32().toString(16).padStart(8, '0');
    return s.slice(0, n).toUpperCase();
  };
  return `SHA1=${hex(40)},MD5=${hex(32)},SHA256=${hex(64)},IMPHASH=${hex(32)}`;
}

function versionBlock(version: string, description: string, product: string, company: string, original: string): string {
  return (
    `<Data Name='FileVersion'>${xmlText(version)}</Data><Data Name='Description'>${xmlText(description)}</Data>` +
    `<Data Name='Product'>${xmlText(product)}</Data><Data Name='Company'>${xmlText(company)}</Data>` +
    `<Data Name='OriginalFileName'>${xmlText(original)}</Data>`
  );
}

const CORE_DLLS = ['ntdll', 'kernel32', 'KernelBase', 'ucrtbase', 'msvcrt', 'sechost', 'rpcrt4', 'advapi32'];

const IMAGE_DEFS: ImageDef[] = [
  // The kernel's System process: only ever a parent (ParentImage 'System', PID 4).
  { key: 'system', path: 'System', description: 'NT Kernel & System', original: 'ntoskrnl.exe', cmdlines: ['?'], lifetimeSecs: Infinity },
  { key: 'smss', path: 'C:\\Windows\\System32\\smss.exe', version: '10.0.19041.1806 (WinBuild.160101.0800)', description: 'Windows Session Manager', original: 'smss.exe', cwd: 'C:\\Windows', cmdlines: ['\\SystemRoot\\System32\\smss.exe'], lifetimeSecs: Infinity },
  { key: 'autochk', path: 'C:\\Windows\\System32\\autochk.exe', description: 'Auto Check Utility', original: 'AutoChk.Exe', cwd: 'C:\\Windows\\system32\\', cmdlines: ['\\??\\C:\\Windows\\system32\\autochk.exe *'], lifetimeSecs: 1 },
  { key: 'csrss', path: 'C:\\Windows\\System32\\csrss.exe', description: 'Client Server Runtime Process', original: 'CSRSS.Exe', cwd: 'C:\\Windows\\system32\\', cmdlines: ['%%SystemRoot%%\\system32\\csrss.exe ObjectDirectory=\\Windows SharedSection=1024,20480,768 Windows=On SubSystemType=Windows ServerDll=basesrv,1 ServerDll=winsrv:UserServerDllInitialization,3 ServerDll=sxssrv,4 ProfileControl=Off MaxRequestThreads=16'], lifetimeSecs: Infinity },
  { key: 'wininit', path: 'C:\\Windows\\System32\\wininit.exe', description: 'Windows Start-Up Application', original: 'WinInit.exe', cwd: 'C:\\Windows\\system32\\', cmdlines: ['wininit.exe'], lifetimeSecs: Infinity },
  { key: 'winlogon', path: 'C:\\Windows\\System32\\winlogon.exe', description: 'Windows Logon Application', original: 'WINLOGON.EXE', cwd: 'C:\\Windows\\system32\\', cmdlines: ['winlogon.exe'], lifetimeSecs: Infinity },
  { key: 'services', path: 'C:\\Windows\\System32\\services.exe', description: 'Services and Controller app', original: 'services.exe', cwd: 'C:\\Windows\\system32\\', cmdlines: ['C:\\Windows\\system32\\services.exe'], lifetimeSecs: Infinity },
  { key: 'lsass', path: 'C:\\Windows\\System32\\lsass.exe', description: 'Local Security Authority Process', original: 'lsass.exe', cwd: 'C:\\Windows\\system32\\', cmdlines: ['C:\\Windows\\system32\\lsass.exe'], dlls: ['samsrv', 'lsasrv', 'crypt32', 'bcrypt'], lifetimeSecs: Infinity },
  { key: 'logonui', path: 'C:\\Windows\\System32\\LogonUI.exe', description: 'Windows Logon User Interface Host', original: 'logonui.exe', cwd: 'C:\\Windows\\system32\\', cmdlines: ['"LogonUI.exe" /flags:0x2 /state0:0xa3b08855 /state1:0x41c64e6d', '"LogonUI.exe" /flags:0x4 /state0:0xa38bd055 /state1:0x41c64e6d'], lifetimeSecs: 40 },
  { key: 'dwm', path: 'C:\\Windows\\System32\\dwm.exe', description: 'Desktop Window Manager', original: 'dwm.exe', cwd: 'C:\\Windows\\system32\\', cmdlines: ['"dwm.exe"'], dlls: ['user32', 'gdi32', 'd3d11', 'dxgi'], lifetimeSecs: Infinity },
  { key: 'fontdrvhost', path: 'C:\\Windows\\System32\\fontdrvhost.exe', description: 'Usermode Font Driver Host', original: 'fontdrvhost.exe', cwd: 'C:\\Windows\\system32\\', cmdlines: ['"fontdrvhost.exe"'], lifetimeSecs: Infinity },
  { key: 'svchost', path: 'C:\\Windows\\System32\\svchost.exe', description: 'Host Process for Windows Services', original: 'svchost.exe', cwd: 'C:\\Windows\\system32\\', cmdlines: ['C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p', 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule', 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s gpsvc', 'C:\\Windows\\System32\\svchost.exe -k LocalServiceNetworkRestricted -p -s EventLog', 'C:\\Windows\\system32\\svchost.exe -k LocalService -p -s nsi', 'C:\\Windows\\System32\\svchost.exe -k NetworkService -p -s Dnscache', 'C:\\Windows\\system32\\svchost.exe -k LocalSystemNetworkRestricted -p -s SysMain', 'C:\\Windows\\System32\\svchost.exe -k netsvcs -p -s Themes', 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s ProfSvc', 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s UserManager', 'C:\\Windows\\System32\\svchost.exe -k NetworkService -p -s NlaSvc', 'C:\\Windows\\system32\\svchost.exe -k appmodel -p -s StateRepository', 'C:\\Windows\\system32\\svchost.exe -k wsappx -p -s ClipSVC', 'C:\\Windows\\system32\\svchost.exe -k UnistackSvcGroup -s CDPUserSvc_4b2f1'], dlls: ['combase', 'ole32', 'oleaut32', 'clbcatq', 'ws2_32'], lifetimeSecs: Infinity },
  { key: 'spoolsv', path: 'C:\\Windows\\System32\\spoolsv.exe', description: 'Spooler SubSystem App', original: 'spoolsv.exe', cwd: 'C:\\Windows\\system32\\', cmdlines: ['C:\\Windows\\System32\\spoolsv.exe'], dlls: ['winspool.drv', 'ws2_32'], lifetimeSecs: Infinity },
  { key: 'msmpeng', path: 'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.2011.6-0\\MsMpEng.exe', version: '4.18.2011.6 (WinBuild.160101.0800)', description: 'Antimalware Service Executable', original: 'MsMpEng.exe', cwd: 'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.2011.6-0\\', cmdlines: ['"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.2011.6-0\\MsMpEng.exe"'], dlls: ['crypt32', 'wintrust', 'bcrypt'], lifetimeSecs: Infinity },
  { key: 'sysmon', path: 'C:\\Windows\\Sysmon64.exe', version: '13.01', description: 'System activity monitor', product: 'Sysinternals Sysmon', company: 'Sysinternals - www.sysinternals.com', original: '-', cwd: 'C:\\Windows\\system32\\', cmdlines: ['C:\\Windows\\Sysmon64.exe'], lifetimeSecs: Infinity },
  { key: 'searchindexer', path: 'C:\\Windows\\System32\\SearchIndexer.exe', version: '7.0.19041.1 (WinBuild.160101.0800)', description: 'Microsoft Windows Search Indexer', original: 'SearchIndexer.exe', cwd: 'C:\\Windows\\system32\\', cmdlines: ['C:\\Windows\\system32\\SearchIndexer.exe /Embedding'], lifetimeSecs: Infinity },
  { key: 'userinit', path: 'C:\\Windows\\System32\\userinit.exe', description: 'Userinit Logon Application', original: 'USERINIT.EXE', cwd: 'C:\\Windows\\system32\\', cmdlines: ['C:\\Windows\\system32\\userinit.exe'], lifetimeSecs: 20 },
  { key: 'explorer', path: 'C:\\Windows\\explorer.exe', description: 'Windows Explorer', original: 'EXPLORER.EXE', cwd: 'C:\\Windows\\system32\\', cmdlines: ['C:\\Windows\\Explorer.EXE'], dlls: ['shell32', 'user32', 'gdi32', 'combase', 'windows.storage'], lifetimeSecs: Infinity },
  { key: 'sihost', path: 'C:\\Windows\\System32\\sihost.exe', description: 'Shell Infrastructure Host', original: 'sihost.exe', cwd: 'C:\\Windows\\system32\\', cmdlines: ['sihost.exe'], lifetimeSecs: Infinity },
  { key: 'taskhostw', path: 'C:\\Windows\\System32\\taskhostw.exe', description: 'Host Process for Windows Tasks', original: 'taskhostw.exe', cwd: 'C:\\Windows\\system32\\', cmdlines: ['taskhostw.exe {222A245B-E637-4AE9-A93F-A59CA119A75E}', 'taskhostw.exe Install $(Arg0)', 'taskhostw.exe -RegisterDevice -ProtectionStateChanged -FreeNetworkOnly'], lifetimeSecs: 60 },
  { key: 'runtimebroker', path: 'C:\\Windows\\System32\\RuntimeBroker.exe', description: 'Runtime Broker', original: 'RuntimeBroker.exe', cwd: 'C:\\Windows\\system32\\', cmdlines: ['C:\\Windows\\System32\\RuntimeBroker.exe -Embedding'], lifetimeSecs: 300 },
  { key: 'wmiprvse', path: 'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe', description: 'WMI Provider Host', original: 'Wmiprvse.exe', cwd: 'C:\\Windows\\system32\\', cmdlines: ['C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding', 'C:\\Windows\\system32\\wbem\\wmiprvse.exe -Embedding'], dlls: ['wbemcomn', 'fastprox'], lifetimeSecs: 120 },
  { key: 'backgroundtaskhost', path: 'C:\\Windows\\System32\\backgroundTaskHost.exe', description: 'Background Task Host', original: 'backgroundTaskHost.exe', cwd: 'C:\\Windows\\system32\\', cmdlines: ['"C:\\Windows\\system32\\BackgroundTaskHost.exe" -ServerName:BackgroundTaskHost.WebAccountProvider', '"C:\\Windows\\system32\\backgroundTaskHost.exe" -ServerName:App.AppXmtcan0h2tfbfy7k9kn8hbxb6dmzz1zh0.mca'], lifetimeSecs: 15 },
  { key: 'searchprotocolhost', path: 'C:\\Windows\\System32\\SearchProtocolHost.exe', version: '7.0.19041.1 (WinBuild.160101.0800)', description: 'Microsoft Windows Search Protocol Host', original: 'SearchProtocolHost.exe', cwd: 'C:\\Windows\\system32\\', cmdlines: ['"C:\\Windows\\system32\\SearchProtocolHost.exe" Global\\UsGthrFltPipeMssGthrPipe5_ Global\\UsGthrCtrlFltPipeMssGthrPipe5 1 -2147483646 "Software\\Microsoft\\Windows Search" "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 4.0 Robot)" "C:\\ProgramData\\Microsoft\\Search\\Data\\Temp\\usgthrsvc" "DownLevelDaemon"'], lifetimeSecs: 90 },
  { key: 'searchfilterhost', path: 'C:\\Windows\\System32\\SearchFilterHost.exe', version: '7.0.19041.1 (WinBuild.160101.0800)', description: 'Microsoft Windows Search Filter Host', original: 'SearchFilterHost.exe', cwd: 'C:\\Windows\\system32\\', cmdlines: ['"C:\\Windows\\system32\\SearchFilterHost.exe" 0 800 804 812 8192 808 788'], lifetimeSecs: 60 },
  { key: 'mpcmdrun', path: 'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.2011.6-0\\MpCmdRun.exe', version: '4.18.2011.6 (WinBuild.160101.0800)', description: 'Microsoft Malware Protection Command Line Utility', original: 'MpCmdRun.exe', cwd: 'C:\\Windows\\system32\\', cmdlines: ['"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.2011.6-0\\MpCmdRun.exe" SignatureUpdate -ScheduleJob -RestrictPrivileges', '"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.2011.6-0\\MpCmdRun.exe" -wdenable'], lifetimeSecs: 20 },
  { key: 'conhost', path: 'C:\\Windows\\System32\\conhost.exe', description: 'Console Window Host', original: 'CONHOST.EXE', cwd: 'C:\\Windows\\system32\\', cmdlines: ['\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1'], lifetimeSecs: 30 },
  { key: 'cmd', path: 'C:\\Windows\\System32\\cmd.exe', description: 'Windows Command Processor', original: 'Cmd.Exe', cwd: 'C:\\Users\\Public\\', cmdlines: ['"C:\\Windows\\system32\\cmd.exe"', 'C:\\Windows\\system32\\cmd.exe /c "ipconfig /all > %TEMP%\\net.txt"', 'cmd.exe /c echo %USERNAME% & whoami /groups', 'C:\\Windows\\system32\\cmd.exe /d /c "C:\\Program Files\\Git\\cmd\\git.exe" status'], lifetimeSecs: 30 },
  { key: 'powershell', path: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', description: 'Windows PowerShell', original: 'PowerShell.EXE', cwd: 'C:\\Users\\Public\\', cmdlines: ['"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe" ', 'powershell.exe -NoProfile -ExecutionPolicy Bypass -Command "Get-Service | Where-Object {$_.Status -eq \'Running\'}"', 'powershell.exe -NonInteractive -Command "& {Get-ChildItem C:\\Users -Recurse -Filter *.log | Measure-Object}"'], dlls: ['amsi', 'clrjit', 'mscoree', 'System.Management.Automation.ni'], lifetimeSecs: 60 },
  { key: 'reg', path: 'C:\\Windows\\System32\\reg.exe', description: 'Registry Console Tool', original: 'reg.exe', cwd: 'C:\\Windows\\system32\\', cmdlines: ['reg.exe query "HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run"', 'reg  add HKCU\\Software\\Classes\\.log /ve /d txtfile /f'], lifetimeSecs: 2 },
  { key: 'notepad', path: 'C:\\Windows\\System32\\notepad.exe', description: 'Notepad', original: 'NOTEPAD.EXE', cwd: 'C:\\Users\\Public\\Documents\\', cmdlines: ['"C:\\Windows\\system32\\NOTEPAD.EXE" C:\\Users\\Public\\Documents\\notes & todo.txt', '"C:\\Windows\\system32\\notepad.exe"'], lifetimeSecs: 600 },
  { key: 'chrome', path: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', version: '96.0.4664.110', description: 'Google Chrome', product: 'Google Chrome', company: 'Google LLC', original: 'chrome.exe', cwd: 'C:\\Program Files\\Google\\Chrome\\Application\\96.0.4664.110\\', cmdlines: ['"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" ', '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" --type=renderer --field-trial-handle=1732,7339469521637364021,3473213939364843281,131072 --lang=en-US --device-scale-factor=1 --num-raster-threads=2 --enable-main-frame-before-activation --renderer-client-id=7 --mojo-platform-channel-handle=3152 /prefetch:1', '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" --type=utility --utility-sub-type=network.mojom.NetworkService --field-trial-handle=1732,7339469521637364021 --lang=en-US --service-sandbox-type=network --mojo-platform-channel-handle=2044 /prefetch:8'], dlls: ['chrome_elf', 'ws2_32', 'crypt32', 'dwrite'], lifetimeSecs: 900 },
  { key: 'msedge', path: 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe', version: '96.0.1054.62', description: 'Microsoft Edge', product: 'Microsoft Edge', original: 'msedge.exe', cwd: 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\96.0.1054.62\\', cmdlines: ['"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe" --single-argument https://intranet.corp.example.com/?q=a&b=<c>', '"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe" --type=renderer --lang=en-US --js-flags=--ms-user-locale= --renderer-client-id=12 /prefetch:1'], dlls: ['msedge_elf', 'ws2_32', 'crypt32'], lifetimeSecs: 900 },
  { key: 'outlook', path: 'C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE', version: '16.0.14701.20226', description: 'Microsoft Outlook', product: 'Microsoft Outlook', original: 'Outlook.exe', cwd: 'C:\\Program Files\\Microsoft Office\\root\\Office16\\', cmdlines: ['"C:\\Program Files\\Microsoft Office\\Root\\Office16\\OUTLOOK.EXE" '], dlls: ['mso20win32client', 'ws2_32', 'crypt32'], lifetimeSecs: 3600 },
  { key: 'winword', path: 'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE', version: '16.0.14701.20226', description: 'Microsoft Word', product: 'Microsoft Office', original: 'WinWord.exe', cwd: 'C:\\Users\\Public\\Documents\\', cmdlines: ['"C:\\Program Files\\Microsoft Office\\Root\\Office16\\WINWORD.EXE" /n "C:\\Users\\Public\\Documents\\Q3 report.docx" /o ""'], dlls: ['mso20win32client', 'wwlib'], lifetimeSecs: 1200 },
  { key: 'onedrive', path: 'C:\\Users\\Public\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe', version: '21.220.1024.0005', description: 'Microsoft OneDrive', product: 'Microsoft OneDrive', original: 'OneDrive.exe', cwd: 'C:\\Windows\\system32\\', cmdlines: ['"C:\\Users\\Public\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe" /background'], lifetimeSecs: Infinity },
  { key: 'gpupdate', path: 'C:\\Windows\\System32\\gpupdate.exe', description: 'Microsoft® Windows Group Policy Update Utility', original: 'GPUpdate.exe', cwd: 'C:\\Windows\\system32\\', cmdlines: ['gpupdate.exe /target:computer'], lifetimeSecs: 10 },
  { key: 'dllhost', path: 'C:\\Windows\\System32\\dllhost.exe', description: 'COM Surrogate', original: 'dllhost.exe', cwd: 'C:\\Windows\\system32\\', cmdlines: ['C:\\Windows\\system32\\DllHost.exe /Processid:{AB8902B4-09CA-4BB6-B78D-A8F59079A8D5}', 'C:\\Windows\\system32\\DllHost.exe /Processid:{973D20D7-562D-44B9-B70B-5A0F49CCDF3F}'], lifetimeSecs: 30 },
  { key: 'rdpclip', path: 'C:\\Windows\\System32\\rdpclip.exe', description: 'RDP Clipboard Monitor', original: 'rdpclip.exe', cwd: 'C:\\Windows\\system32\\', cmdlines: ['rdpclip'], lifetimeSecs: Infinity },
  // Images only anomalies use.
  { key: 'fake-smss-temp', path: 'C:\\Windows\\Temp\\smss.exe', version: '10.0.19041.1806 (WinBuild.160101.0800)', description: 'Windows Session Manager', original: 'smss.exe', cwd: 'C:\\Windows\\Temp\\', cmdlines: ['C:\\Windows\\Temp\\smss.exe'], lifetimeSecs: 1 },
  { key: 'fake-smss-renamed', path: 'C:\\Users\\Public\\Libraries\\svcupd.exe', version: '10.0.19041.1806 (WinBuild.160101.0800)', description: 'Windows Session Manager', original: 'smss.exe', cwd: 'C:\\Users\\Public\\Libraries\\', cmdlines: ['C:\\Users\\Public\\Libraries\\svcupd.exe 00000130 00000084 '], lifetimeSecs: 1 },
  { key: 'implant', path: 'C:\\ProgramData\\Microsoft\\DeviceSync\\devsvc.exe', version: '1.0.0.3', description: 'Device Sync Service', product: 'Device Sync', company: 'Microsoft Corporation', original: 'devsvc.exe', cwd: 'C:\\Windows\\system32\\', cmdlines: ['C:\\ProgramData\\Microsoft\\DeviceSync\\devsvc.exe -k -s 443'], lifetimeSecs: 30 },
];

/** A DLL as EventID 7 reports it. */
export interface DllSpec {
  /** Pre-rendered ImageLoaded..SignatureStatus run of Data elements. */
  block: string;
  /** ImageLoaded and Signature as plain text. */
  path: string;
  signature: string;
}

const DLL_INFO: Record<string, [string, string]> = {
  ntdll: ['C:\\Windows\\System32\\ntdll.dll', 'NT Layer DLL'],
  kernel32: ['C:\\Windows\\System32\\kernel32.dll', 'Windows NT BASE API Client DLL'],
  KernelBase: ['C:\\Windows\\System32\\KernelBase.dll', 'Windows NT BASE API Client DLL'],
  ucrtbase: ['C:\\Windows\\System32\\ucrtbase.dll', 'Microsoft® C Runtime Library'],
  msvcrt: ['C:\\Windows\\System32\\msvcrt.dll', 'Windows NT CRT DLL'],
  sechost: ['C:\\Windows\\System32\\sechost.dll', 'Host for SCM/SDDL/LSA Lookup APIs'],
  rpcrt4: ['C:\\Windows\\System32\\rpcrt4.dll', 'Remote Procedure Call Runtime'],
  advapi32: ['C:\\Windows\\System32\\advapi32.dll', 'Advanced Windows 32 Base API'],
  combase: ['C:\\Windows\\System32\\combase.dll', 'Microsoft COM for Windows'],
  ole32: ['C:\\Windows\\System32\\ole32.dll', 'Microsoft OLE for Windows'],
  oleaut32: ['C:\\Windows\\System32\\oleaut32.dll', 'OLEAUT32.DLL'],
  clbcatq: ['C:\\Windows\\System32\\clbcatq.dll', 'COM+ Configuration Catalog'],
  ws2_32: ['C:\\Windows\\System32\\ws2_32.dll', 'Windows Socket 2.0 32-Bit DLL'],
  crypt32: ['C:\\Windows\\System32\\crypt32.dll', 'Crypto API32'],
  bcrypt: ['C:\\Windows\\System32\\bcrypt.dll', "Windows Cryptographic Primitives Library"],
  wintrust: ['C:\\Windows\\System32\\wintrust.dll', 'Microsoft Trust Verification APIs'],
  samsrv: ['C:\\Windows\\System32\\samsrv.dll', 'SAM Server DLL'],
  lsasrv: ['C:\\Windows\\System32\\lsasrv.dll', 'LSA Server DLL'],
  user32: ['C:\\Windows\\System32\\user32.dll', 'Multi-User Windows USER API Client DLL'],
  gdi32: ['C:\\Windows\\System32\\gdi32.dll', 'GDI Client DLL'],
  d3d11: ['C:\\Windows\\System32\\d3d11.dll', 'Direct3D 11 Runtime'],
  dxgi: ['C:\\Windows\\System32\\dxgi.dll', 'DirectX Graphics Infrastructure'],
  dwrite: ['C:\\Windows\\System32\\DWrite.dll', 'Microsoft DirectX Typography Services'],
  'winspool.drv': ['C:\\Windows\\System32\\winspool.drv', 'Windows Spooler Driver'],
  shell32: ['C:\\Windows\\System32\\shell32.dll', 'Windows Shell Common Dll'],
  'windows.storage': ['C:\\Windows\\System32\\windows.storage.dll', 'Microsoft WinRT Storage API'],
  wbemcomn: ['C:\\Windows\\System32\\wbemcomn.dll', 'WMI'],
  fastprox: ['C:\\Windows\\System32\\wbem\\fastprox.dll', 'WMI Custom Marshaller'],
  amsi: ['C:\\Windows\\System32\\amsi.dll', 'Anti-Malware Scan Interface'],
  clrjit: ['C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\clrjit.dll', 'Microsoft .NET Runtime Just-In-Time Compiler'],
  mscoree: ['C:\\Windows\\System32\\mscoree.dll', 'Microsoft .NET Runtime Execution Engine'],
  'System.Management.Automation.ni': ['C:\\Windows\\assembly\\NativeImages_v4.0.30319_64\\System.Manaa57fc8cc#\\a3b3b3a4c5b7e1f1b0f3a2d3c4e5f6a7\\System.Management.Automation.ni.dll', 'System.Management.Automation'],
  chrome_elf: ['C:\\Program Files\\Google\\Chrome\\Application\\96.0.4664.110\\chrome_elf.dll', 'Google Chrome'],
  msedge_elf: ['C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\96.0.1054.62\\msedge_elf.dll', 'Microsoft Edge'],
  mso20win32client: ['C:\\Program Files\\Common Files\\Microsoft Shared\\Office16\\mso20win32client.dll', 'Microsoft Office 2016 component'],
  wwlib: ['C:\\Program Files\\Microsoft Office\\root\\Office16\\WWLIB.DLL', 'Microsoft Word'],
};

export const DLL_KEYS = Object.keys(DLL_INFO);
export const DLLS: DllSpec[] = DLL_KEYS.map((k) => {
  const [path, description] = DLL_INFO[k];
  const base = path.slice(path.lastIndexOf('\\') + 1);
  const thirdParty = path.includes('Google') || path.includes('Office') || path.includes('Edge');
  const company = path.includes('Google') ? 'Google LLC' : MS;
  const signature = path.includes('Google') ? 'Google LLC' : thirdParty ? 'Microsoft Corporation' : 'Microsoft Windows';
  return {
    path,
    signature,
    block:
      `<Data Name='ImageLoaded'>${xmlText(path)}</Data>` +
      versionBlock(thirdParty ? '16.0.14701.20226' : WINVER, description, thirdParty ? description : WINDOWS, company, base) +
      `<Data Name='Hashes'>${fakeHashes(path)}</Data><Data Name='Signed'>true</Data>` +
      `<Data Name='Signature'>${xmlText(signature)}</Data><Data Name='SignatureStatus'>Valid</Data>`,
  };
});

const dllIndex = new Map(DLL_KEYS.map((k, i) => [k, i]));

export const IMAGES: Record<string, ImageSpec> = {};
for (const d of IMAGE_DEFS) {
  const versionB = versionBlock(d.version ?? WINVER, d.description, d.product ?? WINDOWS, d.company ?? MS, d.original);
  const hashes = fakeHashes(d.key + d.path);
  const cwd = xmlText(d.cwd ?? 'C:\\Windows\\system32\\');
  IMAGES[d.key] = {
    key: d.key,
    versionCmdOpen: enc(`${versionB}<Data Name='CommandLine'>`),
    imageBytes: enc(xmlText(d.path)),
    hashesData: enc(`<Data Name='Hashes'>${hashes}</Data>`),
    cwdData: enc(`</Data><Data Name='CurrentDirectory'>${cwd}</Data>`),
    image: xmlText(d.path),
    cmdlines: d.cmdlines.map(xmlText),
    cmdlineBytes: d.cmdlines.map((c) => enc(xmlText(c))),
    dlls: [...CORE_DLLS, ...(d.dlls ?? [])].map((k) => {
      const i = dllIndex.get(k);
      if (i === undefined) throw new Error(`catalog: image ${d.key} loads unknown DLL ${k}`);
      return i;
    }),
    lifetimeSecs: d.lifetimeSecs ?? 60,
    text: { description: d.description, product: d.product ?? WINDOWS, company: d.company ?? MS, original: d.original, version: d.version ?? WINVER, cwd: d.cwd ?? 'C:\\Windows\\system32\\' },
  };
}

export function image(key: string): ImageSpec {
  const s = IMAGES[key];
  if (s === undefined) throw new Error(`catalog: no image ${key}`);
  return s;
}

/** Registry values ordinary activity sets (EventID 13): [TargetObject, Details], XML-ready bytes. */
export const REG_SETS: Array<[Uint8Array, Uint8Array]> = (
  [
    ['HKLM\\SOFTWARE\\Microsoft\\Security Center\\Provider\\Av\\{D68DDC3A-831F-4fae-9E44-DA132C1ACF46}\\STATE', 'DWORD (0x00062100)'],
    ['HKLM\\System\\CurrentControlSet\\Services\\bam\\State\\UserSettings\\S-1-5-21-3623811015-3361044348-30300820-1013\\\\Device\\HarddiskVolume2\\Windows\\System32\\cmd.exe', 'Binary Data'],
    ['HKLM\\System\\CurrentControlSet\\Services\\Tcpip\\Parameters\\Interfaces\\{3b8f0f1a-5e7c-4b7b-9a41-1c2d3e4f5a6b}\\DhcpIPAddress', '10.20.4.117'],
    ['HKU\\.DEFAULT\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\ZoneMap\\ProxyBypass', 'DWORD (0x00000001)'],
    ['HKU\\.DEFAULT\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\ZoneMap\\IntranetName', 'DWORD (0x00000001)'],
    ['HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\SessionsPending\\Exclusive', 'DWORD (0x00000000)'],
    ['HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates\\SignaturesLastUpdated', 'QWORD (0x01d7f2a1-0x5e3c2b10)'],
    ['HKLM\\System\\CurrentControlSet\\Services\\W32Time\\Config\\LastKnownGoodTime', 'QWORD (0x01d7f2a1-0x4b1d8c00)'],
    ['\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001\\Services\\MpKsle59912eb\\Start', 'DWORD (0x00000004)'],
    ['HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon\\AutoRestartShell', 'DWORD (0x00000001)'],
    ['HKLM\\System\\CurrentControlSet\\Control\\Session Manager\\Memory Management\\PrefetchParameters\\BootId', 'DWORD (0x0000002e)'],
    ['HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Explorer\\ShellServiceObjects\\{F56F6FDD-AA9D-4618-A949-C1B91AF43B1A}\\AutoStart', '(Empty)'],
  ] as Array<[string, string]>
).map(([k, v]) => [enc(xmlText(k)), enc(xmlText(v))]);

/** Per-user registry values explorer and user programs set: the key suffix after HKU\<SID>. */
export const USER_REG_SETS: Array<[string, string]> = (
  [
    ['\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs\\.txt\\MRUListEx', 'Binary Data'],
    ['\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\UserAssist\\{CEBFF5CD-ACE2-4F4F-9178-9926F41749EA}\\Count\\HRZR_PGYFRFFVBA', 'Binary Data'],
    ['\\Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles\\Outlook\\0a0d020000000000c000000000000046\\01023d15', 'Binary Data'],
    ['\\Software\\Google\\Chrome\\PreferenceMACs\\Default\\homepage', 'B2D63B6C9A1E0F4A2C7E1D3B5A6F8E9D0C1B2A3F4E5D6C7B8A9F0E1D2C3B4A5F'],
    ['_Classes\\Local Settings\\Software\\Microsoft\\Windows\\Shell\\MuiCache\\C:\\Windows\\System32\\notepad.exe.FriendlyAppName', 'Notepad'],
  ] as Array<[string, string]>
).map(([k, v]) => [xmlText(k), xmlText(v)]);

/** Keys ordinary activity creates or opens (EventID 12 CreateKey). */
export const REG_KEYS: Uint8Array[] = [
  'HKLM\\SOFTWARE\\Microsoft\\Security Center\\Provider\\Av\\{D68DDC3A-831F-4fae-9E44-DA132C1ACF46}',
  'HKLM\\System\\CurrentControlSet\\Services\\bam\\State\\UserSettings\\S-1-5-21-3623811015-3361044348-30300820-1013',
  'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WINEVT\\Publishers\\{5770385f-c22a-43e0-bf4c-06f5698ffbd9}',
  'HKLM\\SOFTWARE\\Microsoft\\Tracing\\powershell_RASAPI32',
].map((k) => enc(xmlText(k)));

/** EventID 12 EventType values (compared by identity on the hot path). */
export const CREATE_KEY = enc('CreateKey');
export const DELETE_VALUE = enc('DeleteValue');

/** DNS names and the answer Sysmon prints for them (EventID 22). */
export const DNS: Array<[string, string]> = (
  [
    ['v10.events.data.microsoft.com', 'type:  5 global.asimov.events.data.trafficmanager.net;type:  5 skypedataprdcolcus02.cloudapp.net;::ffff:52.114.128.9;'],
    ['settings-win.data.microsoft.com', 'type:  5 settings-prod-wus2-1.westus2.cloudapp.azure.com;::ffff:40.91.76.224;'],
    ['login.microsoftonline.com', 'type:  5 login.mso.msidentity.com;type:  5 ak.privatelink.msidentity.com;::ffff:20.190.160.22;::ffff:40.126.32.74;'],
    ['outlook.office365.com', 'type:  5 outlook.ms-acdc.office.com;::ffff:52.97.146.162;::ffff:52.98.207.18;'],
    ['www.google.com', '::ffff:142.250.185.100;'],
    ['clients2.google.com', 'type:  5 clients.l.google.com;::ffff:142.250.186.46;'],
    ['ctldl.windowsupdate.com', 'type:  5 ctldl.windowsupdate.com.delivery.microsoft.com;type:  5 wu-bg-shim.trafficmanager.net;::ffff:8.241.11.126;'],
    ['dc01.corp.example.com', '::ffff:10.20.0.10;'],
    ['intranet.corp.example.com', '::ffff:10.20.1.40;'],
    ['wpad', '-'],
  ] as Array<[string, string]>
).map(([k, v]) => [xmlText(k), xmlText(v)]);

/** Remote endpoints for EventID 3: [ip, hostname, port, portName]. */
export const REMOTES: Array<[string, string, number, string]> = [
  ['52.114.128.9', '-', 443, 'https'],
  ['40.126.32.74', '-', 443, 'https'],
  ['142.250.185.100', 'fra16s52-in-f4.1e100.net', 443, 'https'],
  ['10.20.0.10', 'dc01.corp.example.com', 389, 'ldap'],
  ['10.20.0.10', 'dc01.corp.example.com', 88, 'kerberos'],
  ['10.20.0.10', 'dc01.corp.example.com', 445, 'microsoft-ds'],
  ['10.20.1.40', 'intranet.corp.example.com', 80, 'http'],
  ['8.241.11.126', '-', 80, 'http'],
];

/** File names created in ordinary activity (EventID 11); '<USER>' is replaced with the user folder. */
export const FILES: Uint8Array[] = [
  'C:\\Windows\\Prefetch\\SVCHOST.EXE-7D2C5F1A.pf',
  'C:\\Windows\\Prefetch\\CONHOST.EXE-1F3E45E1.pf',
  'C:\\Windows\\ServiceProfiles\\LocalService\\AppData\\Local\\lastalive0.dat',
  'C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\History\\CacheManager\\3A2F1E0D-0000-0000-0000-300000000000-0.bin',
  'C:\\Windows\\Temp\\__PSScriptPolicyTest_yx0vq2l2.ykn.ps1',
  'C:\\Windows\\System32\\Tasks\\Microsoft\\Windows\\UpdateOrchestrator\\Schedule Scan',
  'C:\\Windows\\SoftwareDistribution\\DataStore\\Logs\\tmp.edb',
].map((f) => enc(xmlText(f)));

export const USER_FILES: string[] = [
  '\\AppData\\Local\\Temp\\~DF3A2B1C4D5E6F70.TMP',
  '\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\Cache\\Cache_Data\\f_00a3c1',
  '\\AppData\\Roaming\\Microsoft\\Windows\\Recent\\notes & todo.lnk',
  '\\Downloads\\invoice_2023-11.pdf',
  '\\AppData\\Local\\Microsoft\\Windows\\INetCache\\IE\\7ZQ3K1L8\\desktop.ini',
].map(xmlText);

/** Stack traces for EventID 10 (process access): long, as real ones are. */
export const CALL_TRACES: string[] = [
  'C:\\Windows\\SYSTEM32\\ntdll.dll+9c534|C:\\Windows\\System32\\KERNELBASE.dll+305fe|c:\\windows\\system32\\lsm.dll+125dd|C:\\Windows\\System32\\RPCRT4.dll+788d3|C:\\Windows\\System32\\RPCRT4.dll+dc93e|C:\\Windows\\System32\\RPCRT4.dll+636ac|C:\\Windows\\System32\\RPCRT4.dll+53bb4|C:\\Windows\\System32\\RPCRT4.dll+52cbd|C:\\Windows\\System32\\RPCRT4.dll+5354b|C:\\Windows\\System32\\RPCRT4.dll+41256|C:\\Windows\\SYSTEM32\\ntdll.dll+42cd3|C:\\Windows\\System32\\KERNEL32.DLL+12774|C:\\Windows\\SYSTEM32\\ntdll.dll+70d61',
  'C:\\Windows\\SYSTEM32\\ntdll.dll+9c534|C:\\Windows\\System32\\KERNELBASE.dll+2730e|C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.2011.6-0\\mpsvc.dll+1d5e6b|C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.2011.6-0\\mpsvc.dll+1d5a2f|C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.2011.6-0\\mpsvc.dll+e3b9c|C:\\Windows\\System32\\KERNEL32.DLL+17034|C:\\Windows\\SYSTEM32\\ntdll.dll+52651',
  'C:\\Windows\\SYSTEM32\\ntdll.dll+9c534|C:\\Windows\\System32\\KERNELBASE.dll+305fe|C:\\Windows\\assembly\\NativeImages_v4.0.30319_64\\System\\84043d42d91958316db595f1576a37d5\\System.ni.dll+381f60|C:\\Windows\\assembly\\NativeImages_v4.0.30319_64\\System\\84043d42d91958316db595f1576a37d5\\System.ni.dll+2fa12e|C:\\Windows\\assembly\\NativeImages_v4.0.30319_64\\System\\84043d42d91958316db595f1576a37d5\\System.ni.dll+2c38bf|UNKNOWN(00007FF8E8AA912C)',
].map(xmlText);

export const GRANTED_ACCESS = ['0x1000', '0x1410', '0x1400', '0x101000', '0x1fffff', '0x40'].map(enc);
