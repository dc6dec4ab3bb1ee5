import { defineComponent, h } from 'vue';
import LibraryList from './components/LibraryList.js';
import VmView from './components/VmView.js';
import Wizard from './components/Wizard.js';
import { useLibrary } from './stores/library.js';
import { useWizard } from './stores/wizard.js';

export default defineComponent({
  name: 'App',
  setup() {
    const lib = useLibrary();
    const wiz = useWizard();
    return () =>
      h('div', { class: 'app' }, [
        lib.connected ? null : h('div', { class: 'banner' }, 'Disconnected from PPCBox: reload once the host runs again.'),
        h(LibraryList),
        h('main', { class: 'detail' }, [
          lib.selected
            ? h(VmView, { vm: lib.selected, key: lib.selected.config.id })
            : h('div', { class: 'empty' }, [h('p', lib.vms.length > 0 ? 'Choose a VM on the left.' : 'Create your first VM with “New VM”.')]),
        ]),
        wiz.open ? h(Wizard, { onCreated: (id: string) => lib.select(id) }) : null,
      ]);
  },
});
