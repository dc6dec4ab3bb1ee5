// The creation wizard's pages. State and rules live in the wizard store; this only
// draws them: each field with its message beside it.
import { defineComponent, h, type VNode } from 'vue';
import { IC_MODES, MAX_CPUS, MAX_MEMORY_MIB, MIN_MEMORY_MIB, PRESETS, type FileGrant, type IcMode } from '../../main/api-types.js';
import { STEPS, useWizard, type SourceKind } from '../stores/wizard.js';
import { useLibrary } from '../stores/library.js';
import { bridge } from '../bridge.js';

function field(label: string, name: string, control: VNode | (VNode | null)[], error: string, hint = ''): VNode {
  return h('div', { class: ['field', error ? 'has-error' : ''], 'data-field': name }, [
    h('label', { for: `f-${name}` }, label),
    h('div', { class: 'control' }, Array.isArray(control) ? control : [control]),
    error ? h('span', { class: 'field-error', 'data-testid': `error-${name}`, role: 'alert' }, error) : hint ? h('span', { class: 'hint' }, hint) : null,
  ]);
}

function sizeText(n: number): string {
  return n >= 1048576 ? `${(n / 1048576).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`;
}

export default defineComponent({
  name: 'Wizard',
  emits: ['created'],
  setup(_props, { emit }) {
    const w = useWizard();
    const lib = useLibrary();

    async function pick(e: Event, target: 'kernel' | 'initrd' | 'image'): Promise<void> {
      const input = e.target as HTMLInputElement;
      const f = input.files?.[0];
      if (f === undefined) return;
      w.clearServerError(target);
      let g: FileGrant;
      try {
        g = await bridge().grantFile(f);
      } catch (err) {
        w.serverErrors = { ...w.serverErrors, [target]: (err as Error).message };
        return;
      }
      w[target] = g;
    }

    const sourceChoice = (kind: SourceKind, title: string, text: string): VNode =>
      h('label', { class: ['choice', w.source === kind ? 'chosen' : ''] }, [
        h('input', { type: 'radio', name: 'source', value: kind, checked: w.source === kind, 'data-testid': `source-${kind}`, onChange: () => (w.source = kind) }),
        h('span', [h('strong', title), h('small', text)]),
      ]);

    function page(): (VNode | null)[] {
      switch (w.step) {
        case 0:
          return [
            h('p', 'What should this VM boot?'),
            sourceChoice('default', 'Default Debian guest', lib.defaultGuest.available ? lib.defaultGuest.description : `Not available: ${lib.defaultGuest.description}`),
            sourceChoice('kernel', 'A kernel, initrd and command line', 'A 64-bit PowerPC vmlinux (ELF) and an optional initial RAM disk.'),
            sourceChoice('disk', 'An existing disk image', 'raw, qcow2 or ISO; booted without creating a new disk.'),
            w.fieldError('source') ? h('span', { class: 'field-error', 'data-testid': 'error-source' }, w.fieldError('source')) : null,
            w.source === 'kernel'
              ? h('div', { class: 'sub' }, [
                  field('Kernel', 'kernel', [h('input', { id: 'f-kernel', type: 'file', onChange: (e: Event) => void pick(e, 'kernel') }), w.kernel ? h('span', { class: 'muted' }, `${w.kernel.name}, ${sizeText(w.kernel.size)}`) : null], w.fieldError('kernel')),
                  field('Initrd (optional)', 'initrd', [h('input', { id: 'f-initrd', type: 'file', onChange: (e: Event) => void pick(e, 'initrd') }), w.initrd ? h('span', { class: 'muted' }, `${w.initrd.name}, ${sizeText(w.initrd.size)}`) : null], w.fieldError('initrd')),
                ])
              : null,
            w.source === 'disk'
              ? h('div', { class: 'sub' }, [
                  field(
                    'Disk image',
                    'image',
                    [h('input', { id: 'f-image', type: 'file', onChange: (e: Event) => void pick(e, 'image') }), w.image ? h('span', { class: 'muted', 'data-testid': 'chosen-image' }, `${w.image.name}, ${w.image.format ?? 'not an image'}, ${sizeText(w.image.size)}`) : null],
                    w.fieldError('image'),
                    'Until PPCBox boots from disks, such a VM boots the default Debian kernel with the image as /dev/vda.',
                  ),
                ])
              : null,
          ];
        case 1:
          return [
            field(
              'Machine',
              'machine',
              h('select', { id: 'f-machine', value: w.machine, onChange: () => (w.machine = 'pseries') }, [h('option', { value: 'pseries' }, 'pseries (IBM POWER, PAPR) — POWER9 CPU')]),
              w.fieldError('machine'),
            ),
            field(
              'Preset',
              'preset',
              h(
                'select',
                { id: 'f-preset', 'data-testid': 'preset', value: w.preset, onChange: (e: Event) => w.applyPreset((e.target as HTMLSelectElement).value) },
                PRESETS[w.machine].map((p) => h('option', { value: p.id }, p.label)),
              ),
              w.fieldError('preset'),
              'Sets CPUs, memory and the command line; change them on the next page.',
            ),
            field(
              'Interrupt controller',
              'icMode',
              h(
                'select',
                { id: 'f-icMode', 'data-testid': 'ic-mode', value: w.icMode, onChange: (e: Event) => (w.icMode = (e.target as HTMLSelectElement).value as IcMode) },
                IC_MODES.map((m) => h('option', { value: m.id }, m.label)),
              ),
              w.fieldError('icMode'),
              'As ic-mode in QEMU: dual offers both, the guest chooses at boot.',
            ),
            field(
              'Kernel command line',
              'cmdline',
              h('input', { id: 'f-cmdline', 'data-testid': 'cmdline', value: w.cmdline, onInput: (e: Event) => (w.cmdline = (e.target as HTMLInputElement).value) }),
              w.fieldError('cmdline'),
            ),
          ];
        case 2:
          return [
            field(
              'CPUs',
              'cpus',
              h('input', { id: 'f-cpus', 'data-testid': 'cpus', type: 'number', min: 1, max: MAX_CPUS, value: w.cpus, onInput: (e: Event) => (w.cpus = numberOf(e)) }),
              w.fieldError('cpus'),
              `1 to ${MAX_CPUS}. Extra vCPUs share one host thread for now.`,
            ),
            field(
              'Memory (MiB)',
              'memoryMiB',
              h('input', { id: 'f-memoryMiB', 'data-testid': 'memory', type: 'number', min: MIN_MEMORY_MIB, max: MAX_MEMORY_MIB, step: 256, value: w.memoryMiB, onInput: (e: Event) => (w.memoryMiB = numberOf(e)) }),
              w.fieldError('memoryMiB'),
              `${MIN_MEMORY_MIB} to ${MAX_MEMORY_MIB} MiB.`,
            ),
          ];
        case 3:
          return [
            field(
              'Name',
              'name',
              h('input', {
                id: 'f-name',
                'data-testid': 'name',
                value: w.name,
                maxlength: 80,
                onInput: (e: Event) => {
                  w.name = (e.target as HTMLInputElement).value;
                  w.clearServerError('name');
                },
              }),
              w.fieldError('name'),
            ),
          ];
        default: {
          const src = w.source === 'default' ? 'Default Debian guest' : w.source === 'kernel' ? `Kernel ${w.kernel?.name ?? '?'}${w.initrd ? ` + initrd ${w.initrd.name}` : ''}` : `Disk image ${w.image?.name ?? '?'} (${w.image?.format ?? '?'})`;
          const rows: [string, string][] = [
            ['Name', w.name.trim()],
            ['Source', src],
            ['Machine', `${w.machine}, preset ${w.preset}`],
            ['Interrupt controller', IC_MODES.find((m) => m.id === w.icMode)?.label ?? w.icMode],
            ['CPUs', String(w.cpus)],
            ['Memory', `${w.memoryMiB} MiB`],
            ['Command line', w.cmdline || '(none)'],
          ];
          return [h('table', { class: 'summary', 'data-testid': 'summary' }, rows.map(([k, v]) => h('tr', [h('th', k), h('td', v)])))];
        }
      }
    }

    async function create(): Promise<void> {
      const cfg = await w.submit();
      if (cfg === null) return;
      emit('created', cfg.id);
      w.cancel();
    }

    return () =>
      h('div', { class: 'wizard-backdrop' }, [
        h('div', { class: 'wizard', role: 'dialog', 'aria-label': 'New VM', 'data-testid': 'wizard' }, [
          h('h2', 'New virtual machine'),
          h(
            'ol',
            { class: 'steps' },
            STEPS.map((s, i) => h('li', { class: [i === w.step ? 'current' : '', i < w.step ? 'done' : ''], onClick: () => w.goTo(i) }, s)),
          ),
          h('div', { class: 'page', 'data-testid': `wizard-page-${w.step}` }, page()),
          w.submitError ? h('p', { class: 'notice error', 'data-testid': 'wizard-error' }, w.submitError) : null,
          h('div', { class: 'wizard-buttons' }, [
            h('button', { onClick: () => w.cancel(), 'data-testid': 'wizard-cancel' }, 'Cancel'),
            h('span', { class: 'spacer' }),
            h('button', { onClick: () => w.back(), disabled: w.step === 0, 'data-testid': 'wizard-back' }, 'Back'),
            w.step < STEPS.length - 1
              ? h('button', { class: 'primary', onClick: () => w.next(), 'data-testid': 'wizard-next' }, 'Next')
              : h('button', { class: 'primary', disabled: w.busy, onClick: () => void create(), 'data-testid': 'wizard-create' }, 'Create'),
          ]),
        ]),
      ]);
  },
});

function numberOf(e: Event): number {
  const v = (e.target as HTMLInputElement).value.trim();
  return v === '' || !/^-?\d+(\.\d+)?$/.test(v) ? Number.NaN : Number(v);
}
