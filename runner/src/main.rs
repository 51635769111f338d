fn main() -> std::process::ExitCode {
    muster_shared::cli::main("run", muster_runner::cmd::run)
}
