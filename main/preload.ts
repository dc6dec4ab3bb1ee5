// Preload (sandboxed, context-isolated): the only bridge between the page and main.
// It exposes three functions; the page never gets ipcRenderer or Node.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { ApiEvent, ApiMethodName } from './api-types.js';

contextBridge.exposeInMainWorld('ppcboxNative', {
  invoke: (method: ApiMethodName, args: unknown[]) => ipcRenderer.invoke('ppcbox:invoke', method, args),
  onEvent: (f: (e: ApiEvent) => void) => {
    const l = (_e: IpcRendererEvent, ev: ApiEvent): void => f(ev);
    ipcRenderer.on('ppcbox:event', l);
    return () => ipcRenderer.off('ppcbox:event', l);
  },
  grantDroppedFile: (file: File) => ipcRenderer.invoke('ppcbox:grant', webUtils.getPathForFile(file)),
});
