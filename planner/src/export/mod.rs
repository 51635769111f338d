//! `muster-plan export`: a plan as a CI workflow or a picture (DESIGN.md section 8).
