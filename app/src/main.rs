//! The binary Trunk builds: mounts [`forge_app::App`].

fn main() {
    forge_app::start();
}
