fn main() -> std::process::ExitCode {
    muster_shared::cli::main("plan", muster_planner::cmd::run)
}
