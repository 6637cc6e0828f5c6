//! Chart geometry that is worth testing: round axis maxima.

/// The smallest "round" number (1, 2, 2.5 or 5 × 10ⁿ) at or above `v`: the top of an axis.
pub fn nice_max(v: f64) -> f64 {
    if v <= 0.0 {
        return 1.0;
    }
    let mag = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if v <= m * mag {
            return m * mag;
        }
    }
    10.0 * mag
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_maxima_are_round() {
        let cases = [
            ("empty", 0.0, 1.0),
            ("units", 7.0, 10.0),
            ("quarter", 23.0, 25.0),
            ("fractions", 0.13, 0.2),
        ];
        for (case, v, want) in cases {
            assert_eq!(nice_max(v), want, "{case}");
        }
    }
}
