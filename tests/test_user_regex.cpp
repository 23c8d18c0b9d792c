// compile_user_regex: the one gate for regular expressions users type
// (report filters, tune rules, the live page's filter over HTTP).
#include <catch2/catch.hpp>

#include "base/user_regex.hpp"

using xpu::compile_user_regex;

TEST_CASE("user regex: ordinary patterns compile and match", "[regex]")
{
	for (const char *p : {"burn_60", "^main;.*spin$", "a{2}", "a{2,}", "a{2,1000}", "x1,23456",
			      "\\{99999\\}", "[{99999}]", "[^{]{3}", "(a|b){1000}"}) {
		INFO(p);
		CHECK(compile_user_regex(p).has_value());
	}
	auto re = compile_user_regex("sp[a-z]n{1,2}");
	REQUIRE(re);
	CHECK(std::regex_search("main;spin", *re));
	CHECK(!std::regex_search("main;spun!", std::regex("spxn")));
}

TEST_CASE("user regex: repetition counts over the bound are refused before std::regex sees them", "[regex]")
{
	// The first overflowed libstdc++'s count (UB, found by fuzz_tune_rules);
	// the others would be expanded thousands of times.
	CHECK(compile_user_regex("a{2222222222222222222}").error() ==
	      "repetition count 2222222222222222222 is over 1000");
	CHECK(compile_user_regex("a{1001}").error() == "repetition count 1001 is over 1000");
	CHECK(compile_user_regex("a{1,100000}").error() == "repetition count 100000 is over 1000");
	CHECK(compile_user_regex("(x|y){00099999,}").error() == "repetition count 00099999 is over 1000");
	// Backreference numbers too, in or out of a bracket expression: the
	// fuzzer's case was this one.
	CHECK(compile_user_regex("(a)\\2222222222222222222").error() ==
	      "backreference \\2222222222222222222 is over 1000");
	CHECK(compile_user_regex("[\\99999]").error() == "backreference \\99999 is over 1000");
	CHECK(compile_user_regex("\\\\99999").has_value());  // an escaped backslash, then digits
	// A bracket that ends at once (ECMAScript) hides nothing after it.
	CHECK(compile_user_regex("[]a{5000}").error() == "repetition count 5000 is over 1000");
}

TEST_CASE("user regex: a malformed pattern says what std::regex said", "[regex]")
{
	auto r = compile_user_regex("(unclosed");
	REQUIRE(!r);
	CHECK(!r.error().empty());
	CHECK(!compile_user_regex("a{").has_value());
}
