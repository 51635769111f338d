fn main() -> std::process::ExitCode {
    muster_shared::cli::main("gate", muster_gate::cmd::run)
}
