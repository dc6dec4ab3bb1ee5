// The VM's console: xterm.js attached to the VM's hvc0. Typing goes to the guest,
// output comes from the VM process; history fills a console opened late; scrollback,
// copy (selection / Ctrl+Shift+C) and paste (Ctrl+Shift+V, or the browser's own),
// and the terminal fits its box as the window changes.
import { defineComponent, h, onBeforeUnmount, onMounted, ref, watch } from 'vue';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import { bridge } from '../bridge.js';

const encoder = new TextEncoder();

export default defineComponent({
  name: 'ConsoleView',
  props: {
    vmId: { type: String, required: true },
    running: { type: Boolean, required: true },
    /** Increments when the VM starts, so a new run starts on a fresh line. */
    runCount: { type: Number, required: true },
  },
  setup(props, { expose }) {
    const box = ref<HTMLDivElement | null>(null);
    const term = new Terminal({
      scrollback: 10000,
      convertEol: false,
      cursorBlink: true,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
      fontSize: 14,
      lineHeight: 1.15,
      theme: { background: '#101418', foreground: '#d8dee9' },
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    let off: (() => void) | null = null;
    let resize: ResizeObserver | null = null;
    let alive = true;

    const send = (s: string): void => {
      if (!props.running) return;
      void bridge().api.consoleInput(props.vmId, encoder.encode(s)).catch(() => {});
    };

    async function copy(): Promise<void> {
      const s = term.getSelection();
      if (s !== '') await navigator.clipboard.writeText(s);
    }

    async function paste(): Promise<void> {
      const s = await navigator.clipboard.readText();
      if (s !== '') term.paste(s);
      term.focus();
    }

    term.attachCustomKeyEventHandler((e) => {
      if (e.type === 'keydown' && e.ctrlKey && e.shiftKey && (e.key === 'C' || e.key === 'c')) {
        void copy();
        return false;
      }
      if (e.type === 'keydown' && e.ctrlKey && e.shiftKey && (e.key === 'V' || e.key === 'v')) {
        void paste();
        return false;
      }
      return true;
    });
    term.onData(send);

    async function attach(): Promise<void> {
      off?.();
      // Events that arrive before the history reply are already part of it (same channel).
      let ready = false;
      off = bridge().onEvent((e) => {
        if (ready && e.event === 'console' && e.id === props.vmId) term.write(e.data);
      });
      try {
        const past = await bridge().api.consoleHistory(props.vmId);
        if (alive && past.length > 0) term.write(past);
      } catch {
        // A VM deleted meanwhile: nothing to show.
      }
      ready = true;
    }

    onMounted(() => {
      if (box.value === null) return;
      term.open(box.value);
      fit.fit();
      resize = new ResizeObserver(() => {
        try {
          fit.fit();
        } catch {
          // Hidden box (zero size): try again on the next resize.
        }
      });
      resize.observe(box.value);
      void attach();
      term.focus();
      // The whole buffer as text, for browser tests (the DOM shows only visible rows).
      (window as unknown as { ppcboxConsoleText?: () => string }).ppcboxConsoleText = () => bufferText(term);
    });

    watch(
      () => props.vmId,
      () => {
        term.reset();
        void attach();
      },
    );
    watch(
      () => props.runCount,
      () => {
        term.write('\r\n\x1b[2m--- VM started ---\x1b[0m\r\n');
      },
    );

    onBeforeUnmount(() => {
      alive = false;
      off?.();
      resize?.disconnect();
      term.dispose();
    });

    expose({ copy, paste, focus: () => term.focus(), text: () => bufferText(term) });

    return () =>
      h('div', { class: 'console-wrap' }, [
        h('div', { class: 'console-tools' }, [
          h('span', { class: 'muted' }, 'Console (hvc0)'),
          h('button', { class: 'small', title: 'Copy the selection (Ctrl+Shift+C)', onClick: () => void copy() }, 'Copy'),
          h('button', { class: 'small', title: 'Paste into the guest (Ctrl+Shift+V)', disabled: !props.running, onClick: () => void paste() }, 'Paste'),
          h('button', { class: 'small', title: 'Clear the scrollback', onClick: () => term.clear() }, 'Clear'),
        ]),
        h('div', { class: 'console', ref: box, 'data-testid': 'console' }),
      ]);
  },
});

/** The terminal's text (scrollback included), for tests and copy-all. */
function bufferText(t: Terminal): string {
  const b = t.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < b.length; i++) lines.push(b.getLine(i)?.translateToString(true) ?? '');
  return lines.join('\n');
}
