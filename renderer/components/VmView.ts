// One VM: toolbar (Start, Pause/Resume, Reset, Shut down, Force off), state, uptime and
// guest MIPS, the screen area, the console, the disks, and drop-to-attach.
import { computed, defineComponent, h, onBeforeUnmount, ref, watch, type PropType } from 'vue';
import { SHUTDOWN_TIMEOUT_MS, type VmSummary } from '../../main/api-types.js';
import { STATE_LABEL, disksPending, formatUptime, useLibrary } from '../stores/library.js';
import ConsoleView from './ConsoleView.js';
import SnapshotPanel from './SnapshotPanel.js';
import { saveBlocked, useSnapshots } from '../stores/snapshots.js';
import { bridge } from '../bridge.js';

export default defineComponent({
  name: 'VmView',
  props: { vm: { type: Object as PropType<VmSummary>, required: true } },
  setup(props) {
    const lib = useLibrary();
    const snaps = useSnapshots();
    const dragging = ref(false);
    const runCount = ref(0);
    const now = ref(Date.now());
    const timer = setInterval(() => (now.value = Date.now()), 500);
    onBeforeUnmount(() => clearInterval(timer));
    const storage = ref<'in-place' | 'copied'>('copied');
    const confirmDelete = ref(false);
    const renaming = ref(false);
    const newName = ref('');
    const renameError = ref('');

    async function commitRename(): Promise<void> {
      const err = await lib.rename(id.value, newName.value);
      renameError.value = err ?? '';
      if (err === null) renaming.value = false;
    }

    const id = computed(() => props.vm.config.id);
    const state = computed(() => props.vm.runtime.state);
    const live = computed(() => state.value === 'starting' || state.value === 'running' || state.value === 'paused' || state.value === 'shutting-down');
    watch(state, (s, prev) => {
      if (s === 'starting' && prev !== 'starting') runCount.value++;
    });

    function onDrop(e: DragEvent): void {
      e.preventDefault();
      dragging.value = false;
      const files = [...(e.dataTransfer?.files ?? [])];
      if (files.length > 0) void lib.dropOnVm(id.value, files, storage.value);
    }

    const button = (label: string, testid: string, enabled: boolean, title: string, onClick: () => void, cls = ''): ReturnType<typeof h> =>
      h('button', { 'data-testid': testid, disabled: !enabled, title, class: cls, onClick }, label);

    return () => {
      const v = props.vm;
      const rt = v.runtime;
      const notice = lib.notices[id.value];
      const stopped = state.value === 'stopped' || state.value === 'crashed';
      const secsLeft = rt.forceOffAt > 0 ? Math.max(0, Math.ceil((rt.forceOffAt - now.value) / 1000)) : 0;
      const src = v.config.source;
      const srcText = src.kind === 'default' ? 'Default Debian guest' : src.kind === 'kernel' ? (src.initrd !== undefined ? 'Kernel + initrd' : 'Kernel') : `Disk image ${src.image.name}`;
      return h(
        'section',
        {
          class: ['vm-view', dragging.value ? 'dragging' : ''],
          'data-testid': 'vm-view',
          onDragover: (e: DragEvent) => {
            e.preventDefault();
            dragging.value = true;
          },
          onDragleave: () => (dragging.value = false),
          onDrop,
        },
        [
          h('header', { class: 'vm-head' }, [
            renaming.value
              ? h('span', { class: 'rename' }, [
                  h('input', {
                    'data-testid': 'rename-input',
                    value: newName.value,
                    maxlength: 80,
                    'aria-label': 'New name',
                    onInput: (e: Event) => (newName.value = (e.target as HTMLInputElement).value),
                    onKeydown: (e: KeyboardEvent) => {
                      if (e.key === 'Enter') void commitRename();
                      if (e.key === 'Escape') renaming.value = false;
                    },
                  }),
                  h('button', { class: 'small primary', onClick: () => void commitRename() }, 'Save'),
                  h('button', { class: 'small', onClick: () => (renaming.value = false) }, 'Cancel'),
                  renameError.value ? h('span', { class: 'field-error' }, renameError.value) : null,
                ])
              : h('h2', { 'data-testid': 'vm-name', title: 'Double-click to rename', onDblclick: () => {
                  newName.value = v.config.name;
                  renameError.value = '';
                  renaming.value = true;
                } }, v.config.name),
            h('span', { class: `state state-${state.value}`, 'data-testid': 'vm-state' }, STATE_LABEL[state.value]),
            h('span', { class: 'muted' }, `${v.config.machine} · ${v.config.cpus} CPU · ${v.config.memoryMiB} MiB · ${srcText}`),
          ]),
          h('div', { class: 'toolbar', role: 'toolbar' }, [
            button('Start', 'btn-start', stopped, 'Power on the VM', () => void lib.act(id.value, 'start'), 'primary'),
            state.value === 'paused'
              ? button('Resume', 'btn-resume', true, 'Let the vCPUs run again', () => void lib.act(id.value, 'resume'))
              : button('Pause', 'btn-pause', state.value === 'running', 'Stop every vCPU at an instruction boundary (the guest clock keeps running)', () => void lib.act(id.value, 'pause')),
            button('Reset', 'btn-reset', live.value, 'Hard machine reset: the VM reboots at once, as a reset button would.', () => void lib.act(id.value, 'reset')),
            button(
              'Shut down',
              'btn-shutdown',
              state.value === 'running',
              `Asks the guest to power off. pseries guests are asked with an EPOW event, which PPCBox cannot send yet: the guest gets ${SHUTDOWN_TIMEOUT_MS / 1000} s to power off by itself (e.g. "poweroff" typed in it), then it is forced off.`,
              () => void lib.act(id.value, 'shutdown'),
            ),
            button('Force off', 'btn-forceoff', live.value, 'Pull the plug now (unsaved guest data is lost).', () => void lib.act(id.value, 'forceOff'), 'danger'),
            button(
              snaps.busy[id.value] === 'saving' ? 'Saving…' : 'Snapshot',
              'btn-snapshot',
              saveBlocked(state.value) === null && snaps.busy[id.value] === undefined,
              saveBlocked(state.value) ?? (snaps.busy[id.value] !== undefined ? 'A snapshot action is under way.' : 'Save this moment (RAM, devices, time) with a default name; listed under Snapshots.'),
              () => void snaps.save(id.value),
            ),
            h('span', { class: 'spacer' }),
            h('span', { class: 'readout', 'data-testid': 'vm-uptime', title: 'Time since the VM was started' }, live.value ? `Up ${formatUptime(rt.uptimeMs)}` : ''),
            h('span', { class: 'readout', 'data-testid': 'vm-mips', title: 'Guest instructions per second, in millions (all vCPUs)' }, live.value ? `${rt.mips.toFixed(1)} MIPS` : ''),
          ]),
          state.value === 'shutting-down'
            ? h('p', { class: 'notice info', 'data-testid': 'shutdown-note' }, `Shutting down: PPCBox cannot send this guest a power-off request yet (no EPOW event), so it will be forced off in ${secsLeft} s unless it powers off by itself.`)
            : null,
          notice ? h('p', { class: `notice ${notice.kind}`, 'data-testid': 'vm-notice' }, notice.text) : null,
          rt.lastExit && stopped
            ? h('div', { class: ['last-exit', state.value === 'crashed' ? 'crashed' : ''], 'data-testid': 'last-exit' }, [
                h('strong', state.value === 'crashed' ? 'The VM crashed: ' : 'Last run: '),
                h('span', rt.lastExit.message),
                state.value === 'crashed' && rt.lastExit.lastLines.length > 0 ? h('pre', { class: 'last-lines' }, rt.lastExit.lastLines.join('\n')) : null,
              ])
            : null,
          h('div', { class: 'panes' }, [
            h('div', { class: 'screen', 'data-testid': 'screen' }, [
              h('div', { class: 'no-display' }, [h('strong', 'No display device'), h('span', 'This VM has no graphics card; use the console below.')]),
            ]),
            h(ConsoleView, { vmId: id.value, running: state.value === 'running' || state.value === 'paused' || state.value === 'shutting-down', runCount: runCount.value }),
          ]),
          h('div', { class: 'disks', 'data-testid': 'disks' }, [
            h('h3', 'Disks'),
            disksPending(v) ? h('p', { class: 'notice info', 'data-testid': 'disks-pending' }, 'Disk changes apply at the next start of this VM.') : null,
            v.config.disks.length === 0
              ? h('p', { class: 'muted' }, 'No disks. Drop a disk image (raw, qcow2 or ISO) on this VM to attach it.')
              : h(
                  'ul',
                  v.config.disks.map((d, i) =>
                    h('li', { 'data-testid': 'disk-item' }, [
                      h('span', `${d.name} (${d.format}, ${d.storage === 'copied' ? 'copied into the VM folder' : 'used in place'})`),
                      h('button', { class: 'small', title: 'Detach from this VM', onClick: () => void lib.detach(id.value, i) }, 'Detach'),
                    ]),
                  ),
                ),
            bridge().mode === 'electron'
              ? h('label', { class: 'muted' }, [
                  'Dropped images are ',
                  h(
                    'select',
                    { value: storage.value, onChange: (e: Event) => (storage.value = (e.target as HTMLSelectElement).value === 'in-place' ? 'in-place' : 'copied') },
                    [h('option', { value: 'copied' }, 'copied into the VM folder'), h('option', { value: 'in-place' }, 'used where they are')],
                  ),
                ])
              : h('p', { class: 'muted' }, 'In web mode dropped images are uploaded and kept in the VM folder.'),
            h('p', { class: 'muted small' }, 'The guest sees these disks as /dev/vda, /dev/vdb… (virtio-blk), in this order; ISO images are read-only.'),
          ]),
          h(SnapshotPanel, { vm: v }),
          (lib.logs[id.value]?.length ?? 0) > 0
            ? h('details', { class: 'host-log' }, [
                h('summary', `Host messages (${lib.logs[id.value]?.length ?? 0})`),
                h('pre', { 'data-testid': 'host-log' }, (lib.logs[id.value] ?? []).join('\n')),
              ])
            : null,
          h('footer', { class: 'vm-foot' }, [
            stopped
              ? confirmDelete.value
                ? h('span', [
                    'Delete this VM and its folder? ',
                    h('button', { class: 'danger small', 'data-testid': 'btn-delete-confirm', onClick: () => void lib.act(id.value, 'remove') }, 'Delete'),
                    h('button', { class: 'small', onClick: () => (confirmDelete.value = false) }, 'Keep'),
                  ])
                : h('button', { class: 'small', 'data-testid': 'btn-delete', onClick: () => (confirmDelete.value = true) }, 'Delete VM…')
              : null,
          ]),
        ],
      );
    };
  },
});
