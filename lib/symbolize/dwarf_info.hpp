// DWARF (libdw) for one ELF file: the function and the chain of inlined
// calls at an address.
//
// Per address, libdw's dwarf_getscopes walks the compile unit's whole DIE
// tree, types included; in C++ that is millions of DIEs and milliseconds
// per lookup. Instead each compile unit is walked once, when an address
// first falls in it, into a sorted index of its functions' address ranges,
// and each function, when first hit, into a flat list of its inlined calls;
// a lookup is then a binary search and a scan of one function's list.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <elfutils/libdw.h>

#include "base/error.hpp"

namespace xpu {

// The names at one address, raw (mangled where a linkage name exists): the
// function that holds the code and, outermost first, the inlined calls the
// address is inside of.
struct RawFrames {
	std::string function;              // "" when no subprogram covers it
	std::vector<std::string> inlined;  // outermost inlined callee first
};

class DwarfInfo {
public:
	// `elf` must outlive the DwarfInfo. Fails when the file has no DWARF.
	static Result<std::unique_ptr<DwarfInfo>> open(Elf *elf);
	~DwarfInfo();
	DwarfInfo(const DwarfInfo &) = delete;
	DwarfInfo &operator=(const DwarfInfo &) = delete;

	// False when no function's code covers vaddr.
	bool frames_at(uint64_t vaddr, RawFrames &out);

private:
	struct Range {
		uint64_t lo, hi;
		uint64_t die;  // DIE offset: a CU in cu_ranges_, a function in an index
	};
	using Index = std::vector<Range>;  // sorted by lo

	// One function's inlined calls (and GNU C nested functions), in DIE
	// pre-order, so that an enclosing call comes before the calls inside it.
	struct Node {
		std::string name;
		bool nested_function;  // a new frame, not an inlined call
	};
	struct NodeRange {
		uint64_t lo, hi;
		uint32_t node;
	};
	struct FunctionTree {
		std::string name;
		std::vector<Node> nodes;
		std::vector<NodeRange> ranges;
	};

	explicit DwarfInfo(Dwarf *dw) : dw_(dw) {}
	bool find_cu(uint64_t vaddr, Dwarf_Die *cudie);
	void build_cu_ranges();
	const Index &functions_of(Dwarf_Die *cudie);
	void index_functions(Dwarf_Die *parent, Index &out);
	const FunctionTree *tree_of(uint64_t function_die);
	void add_nodes(Dwarf_Die *parent, FunctionTree &tree);

	Dwarf *dw_;
	bool cu_ranges_built_ = false;
	Index cu_ranges_;  // built only when .debug_aranges does not answer
	std::unordered_map<uint64_t, Index> functions_;  // CU DIE offset -> its functions
	std::unordered_map<uint64_t, FunctionTree> trees_;  // function DIE offset -> tree
};

}  // namespace xpu
