fn main() -> std::process::ExitCode {
    muster_shared::cli::main("scope", muster_scope_check::cmd::run)
}
