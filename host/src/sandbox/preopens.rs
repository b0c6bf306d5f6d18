//! `wasi:filesystem/preopens`: `/mnt/memory` and one preopen per mount
//! (FS-01). Nothing else of any filesystem is offered.

use wasmtime::component::Resource;

use super::bindings::preopens;
use super::filesystem::{Descriptor, FsView};

impl preopens::Host for FsView<'_> {
    fn get_directories(&mut self) -> wasmtime::Result<Vec<(Resource<Descriptor>, String)>> {
        let mut out = Vec::new();
        for (node, path) in self.vfs.preopens() {
            out.push((self.table.push(Descriptor(node))?, path));
        }
        Ok(out)
    }
}
